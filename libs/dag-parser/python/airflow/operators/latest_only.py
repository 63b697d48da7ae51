from windsock._branching import LatestOnlyOperator  # noqa: F401
