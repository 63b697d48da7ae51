"""Airflow 3 path (apache-airflow-providers-standard)."""
from airflow.operators.empty import EmptyOperator as _EmptyOperator


class EmptyOperator(_EmptyOperator):
    _windsock_path = 'airflow.providers.standard.operators.empty.EmptyOperator'
