from airflow.operators.dummy import DummyOperator as _DummyOperator


class DummyOperator(_DummyOperator):
    _windsock_path = 'airflow.operators.dummy_operator.DummyOperator'
