"""airflow.sdk: the Airflow 3 authoring interface."""
from windsock._dag import DAG, dag  # noqa: F401
from windsock._operator import BaseOperator, chain, chain_linear, cross_downstream  # noqa: F401
from windsock._params import Param, ParamsDict  # noqa: F401
from windsock._taskflow import task  # noqa: F401
from windsock._taskgroup import TaskGroup, task_group  # noqa: F401
from windsock._variables import Variable  # noqa: F401
from windsock._xcom import XComArg  # noqa: F401
from airflow.utils.edgemodifier import Label  # noqa: F401
from airflow.utils.trigger_rule import TriggerRule  # noqa: F401
from windsock._timetables import Asset  # noqa: F401,E402
