"""Airflow's exception classes that DAG files import or catch."""
from windsock._exceptions import *  # noqa: F401,F403
from windsock._exceptions import (  # noqa: F401
    AirflowException, AirflowFailException, AirflowSkipException, DuplicateTaskIdFound, TaskNotFound,
)
