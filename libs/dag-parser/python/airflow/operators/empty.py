from windsock._operator import BaseOperator


class EmptyOperator(BaseOperator):
    _windsock_path = 'airflow.operators.empty.EmptyOperator'
    ui_color = '#e8f7e4'

    def execute(self, context):
        pass
