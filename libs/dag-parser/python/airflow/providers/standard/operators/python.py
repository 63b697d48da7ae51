"""Airflow 3 path (apache-airflow-providers-standard)."""
from airflow.operators.python import PythonOperator as _PythonOperator
from airflow.operators.python import get_current_context  # noqa: F401


class PythonOperator(_PythonOperator):
    _windsock_path = 'airflow.providers.standard.operators.python.PythonOperator'
