from windsock._xcom import XComArg  # noqa: F401
