from airflow.utils.weekday import WeekDay  # noqa: F401
