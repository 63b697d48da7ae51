from windsock._time_sensors import FileSensor  # noqa: F401
