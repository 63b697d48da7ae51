from windsock._time_sensors import DayOfWeekSensor  # noqa: F401
