"""The standard provider's early (0.0.x) path."""
from windsock import _branching


class BranchDateTimeOperator(_branching.BranchDateTimeOperator):
    _windsock_path = 'airflow.providers.standard.time.operators.datetime.BranchDateTimeOperator'
