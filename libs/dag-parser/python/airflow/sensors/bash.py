from windsock._time_sensors import BashSensor  # noqa: F401
