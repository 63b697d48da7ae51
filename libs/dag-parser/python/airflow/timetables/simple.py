from windsock._timetables import NullTimetable, OnceTimetable  # noqa: F401
