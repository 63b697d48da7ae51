from windsock import _time_sensors


class BashSensor(_time_sensors.BashSensor):
    _windsock_path = 'airflow.providers.standard.sensors.bash.BashSensor'
