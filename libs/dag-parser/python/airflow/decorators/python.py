from windsock._taskflow import _PythonDecoratedOperator  # noqa: F401
