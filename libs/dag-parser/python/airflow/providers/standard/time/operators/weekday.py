"""The standard provider's early (0.0.x) path, which Airflow 2.10's example DAGs import."""
from windsock import _branching


class BranchDayOfWeekOperator(_branching.BranchDayOfWeekOperator):
    _windsock_path = 'airflow.providers.standard.time.operators.weekday.BranchDayOfWeekOperator'
