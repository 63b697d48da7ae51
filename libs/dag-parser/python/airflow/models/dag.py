from windsock._dag import DAG, dag  # noqa: F401
from windsock._params import ParamsDict  # noqa: F401
