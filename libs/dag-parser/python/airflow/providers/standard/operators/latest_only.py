"""Airflow 3 path (apache-airflow-providers-standard)."""
from windsock import _branching


class LatestOnlyOperator(_branching.LatestOnlyOperator):
    _windsock_path = 'airflow.providers.standard.operators.latest_only.LatestOnlyOperator'
