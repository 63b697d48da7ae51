from windsock._branching import BranchDateTimeOperator, target_times_as_dates  # noqa: F401
