from windsock._dag import DAG  # noqa: F401
from windsock._operator import BaseOperator  # noqa: F401
from windsock._params import Param  # noqa: F401
from windsock._variables import Variable  # noqa: F401
from windsock._xcom import XComArg  # noqa: F401
