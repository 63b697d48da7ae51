from windsock._operator import BaseOperator


class BashOperator(BaseOperator):
    _windsock_path = 'airflow.operators.bash.BashOperator'
    template_fields = ('bash_command', 'env', 'cwd')
    template_ext = ('.sh', '.bash')
