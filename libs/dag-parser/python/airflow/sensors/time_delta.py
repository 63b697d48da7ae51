from windsock._time_sensors import TimeDeltaSensor, TimeDeltaSensorAsync  # noqa: F401
