"""Airflow 3 path (apache-airflow-providers-standard)."""
from windsock import _branching


class BranchDayOfWeekOperator(_branching.BranchDayOfWeekOperator):
    _windsock_path = 'airflow.providers.standard.operators.weekday.BranchDayOfWeekOperator'
