from windsock import _time_sensors


class DateTimeSensor(_time_sensors.DateTimeSensor):
    _windsock_path = 'airflow.providers.standard.sensors.date_time.DateTimeSensor'


class DateTimeSensorAsync(_time_sensors.DateTimeSensorAsync):
    _windsock_path = 'airflow.providers.standard.sensors.date_time.DateTimeSensorAsync'
