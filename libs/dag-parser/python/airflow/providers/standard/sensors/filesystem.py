from windsock import _time_sensors


class FileSensor(_time_sensors.FileSensor):
    _windsock_path = 'airflow.providers.standard.sensors.filesystem.FileSensor'
