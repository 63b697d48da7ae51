"""Airflow 3 path (apache-airflow-providers-standard)."""
from windsock import _branching


class BranchDateTimeOperator(_branching.BranchDateTimeOperator):
    _windsock_path = 'airflow.providers.standard.operators.datetime.BranchDateTimeOperator'
