from windsock import _time_sensors


class TimeSensor(_time_sensors.TimeSensor):
    _windsock_path = 'airflow.providers.standard.sensors.time.TimeSensor'


class TimeSensorAsync(_time_sensors.TimeSensorAsync):
    _windsock_path = 'airflow.providers.standard.sensors.time.TimeSensorAsync'
