from windsock._time_sensors import DateTimeSensor, DateTimeSensorAsync  # noqa: F401
