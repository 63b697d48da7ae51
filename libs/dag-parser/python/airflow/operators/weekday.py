from windsock._branching import BranchDayOfWeekOperator  # noqa: F401
