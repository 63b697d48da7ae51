"""Airflow 3 path (apache-airflow-providers-standard)."""
from windsock import _branching
from windsock._branching import is_venv_installed  # noqa: F401
from airflow.operators.python import PythonOperator as _PythonOperator
from airflow.operators.python import get_current_context  # noqa: F401


class PythonOperator(_PythonOperator):
    _windsock_path = 'airflow.providers.standard.operators.python.PythonOperator'


class BranchPythonOperator(_branching.BranchPythonOperator):
    _windsock_path = 'airflow.providers.standard.operators.python.BranchPythonOperator'


class ShortCircuitOperator(_branching.ShortCircuitOperator):
    _windsock_path = 'airflow.providers.standard.operators.python.ShortCircuitOperator'
