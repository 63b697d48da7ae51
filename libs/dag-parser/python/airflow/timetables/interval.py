from windsock._timetables import CronDataIntervalTimetable, DeltaDataIntervalTimetable  # noqa: F401
