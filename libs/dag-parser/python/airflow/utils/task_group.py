from windsock._taskgroup import TaskGroup  # noqa: F401
