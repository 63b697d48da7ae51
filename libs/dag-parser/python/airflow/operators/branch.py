from windsock._branching import BaseBranchOperator  # noqa: F401
