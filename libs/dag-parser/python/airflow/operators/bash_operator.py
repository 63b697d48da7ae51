"""The Airflow 1.x module path, still used by older DAG files."""
from airflow.operators.bash import BashOperator as _BashOperator


class BashOperator(_BashOperator):
    _windsock_path = 'airflow.operators.bash_operator.BashOperator'
