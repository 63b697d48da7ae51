"""Airflow 3 path (apache-airflow-providers-standard)."""
from airflow.operators.bash import BashOperator as _BashOperator


class BashOperator(_BashOperator):
    _windsock_path = 'airflow.providers.standard.operators.bash.BashOperator'
