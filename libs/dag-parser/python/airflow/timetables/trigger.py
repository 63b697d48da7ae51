from windsock._timetables import CronTriggerTimetable  # noqa: F401
