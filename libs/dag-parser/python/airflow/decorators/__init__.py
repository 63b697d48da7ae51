from windsock._dag import dag  # noqa: F401
from windsock._taskflow import task  # noqa: F401
from windsock._taskgroup import task_group  # noqa: F401
