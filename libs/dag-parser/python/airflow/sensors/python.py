from windsock._sensors import PythonSensor  # noqa: F401
