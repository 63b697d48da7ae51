from windsock._sensors import BaseSensorOperator, PokeReturnValue  # noqa: F401
from windsock._exceptions import AirflowSensorTimeout  # noqa: F401
