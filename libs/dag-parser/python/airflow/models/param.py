from windsock._params import NOTSET, DagParam, Param, ParamsDict  # noqa: F401
