from windsock import _time_sensors


class TimeDeltaSensor(_time_sensors.TimeDeltaSensor):
    _windsock_path = 'airflow.providers.standard.sensors.time_delta.TimeDeltaSensor'


class TimeDeltaSensorAsync(_time_sensors.TimeDeltaSensorAsync):
    _windsock_path = 'airflow.providers.standard.sensors.time_delta.TimeDeltaSensorAsync'
