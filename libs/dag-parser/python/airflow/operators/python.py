from windsock._exceptions import AirflowException
from windsock._operator import BaseOperator
from windsock._taskflow import task  # noqa: F401  (airflow.operators.python.task, Airflow 2.0-2.2)


class PythonOperator(BaseOperator):
    """Records python_callable (its source, see windsock._callable), op_args and op_kwargs."""
    _windsock_path = 'airflow.operators.python.PythonOperator'
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')

    def __init__(self, *args, python_callable=None, **kwargs):
        if not callable(python_callable):
            raise AirflowException('`python_callable` param must be callable')
        super().__init__(*args, python_callable=python_callable, **kwargs)


def get_current_context():
    raise AirflowException('get_current_context() works only while a task runs, not while its DAG file is parsed')


from windsock._branching import BranchPythonOperator, ShortCircuitOperator, is_venv_installed  # noqa: E402,F401
