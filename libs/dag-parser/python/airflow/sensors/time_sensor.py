from windsock._time_sensors import TimeSensor, TimeSensorAsync  # noqa: F401
