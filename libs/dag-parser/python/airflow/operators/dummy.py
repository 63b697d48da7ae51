"""DummyOperator: Airflow's deprecated name for EmptyOperator."""
from airflow.operators.empty import EmptyOperator


class DummyOperator(EmptyOperator):
    _windsock_path = 'airflow.operators.dummy.DummyOperator'
