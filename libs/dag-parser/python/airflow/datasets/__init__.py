from windsock._timetables import Dataset  # noqa: F401
