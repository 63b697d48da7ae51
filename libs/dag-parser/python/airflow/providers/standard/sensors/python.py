from windsock import _sensors


class PythonSensor(_sensors.PythonSensor):
    _windsock_path = 'airflow.providers.standard.sensors.python.PythonSensor'
