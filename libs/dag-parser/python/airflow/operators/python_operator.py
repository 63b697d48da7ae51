from airflow.operators.python import PythonOperator as _PythonOperator


class PythonOperator(_PythonOperator):
    _windsock_path = 'airflow.operators.python_operator.PythonOperator'
