"""Sensors (airflow/sensors/base.py): BaseSensorOperator's arguments, PythonSensor and @task.sensor.

A sensor's poke is a Python callable, so it runs as a Python task: the runner (libs/executors/src/python/runner.py)
pokes it in poke mode until it is true or the timeout passes, and in reschedule mode pokes once and, when false,
ends the try up_for_reschedule with the date of the next poke (the worker then keeps the try number, as Airflow's
task_reschedule table does). The arguments below are checked here as BaseSensorOperator._validate_input_values does.
"""
import datetime

from windsock._exceptions import AirflowException
from windsock._operator import BaseOperator

SENSOR_ARGS = ('poke_interval', 'timeout', 'soft_fail', 'mode', 'exponential_backoff', 'max_wait', 'silent_fail',
               'never_fail')
_VALID_MODES = ('poke', 'reschedule')


def _seconds(value, name):
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AirflowException(f'The {name} must be a non-negative number or a timedelta')
    return float(value)


def validate_sensor_args(task_id, kwargs):
    if kwargs.get('soft_fail') and kwargs.get('never_fail'):
        raise ValueError('soft_fail and never_fail are mutually exclusive, you can not provide both.')
    if 'poke_interval' in kwargs and _seconds(kwargs['poke_interval'], 'poke_interval') < 0:
        raise AirflowException('The poke_interval must be a non-negative number')
    if 'timeout' in kwargs and _seconds(kwargs['timeout'], 'timeout') < 0:
        raise AirflowException('The timeout must be a non-negative number')
    if 'max_wait' in kwargs and kwargs['max_wait'] is not None:
        _seconds(kwargs['max_wait'], 'max_wait')
    mode = kwargs.get('mode', 'poke')
    if mode not in _VALID_MODES:
        raise AirflowException(f"The mode must be one of {list(_VALID_MODES)},'{task_id}' has mode '{mode}'.")


class PokeReturnValue:
    """What a poke may return: whether it is done, and the XCom value the sensor then pushes."""

    def __init__(self, is_done, xcom_value=None):
        self.xcom_value = xcom_value
        self.is_done = is_done

    def __bool__(self):
        return self.is_done


class BaseSensorOperator(BaseOperator):
    _windsock_path = 'airflow.sensors.base.BaseSensorOperator'
    ui_color = '#e6f1f2'
    valid_modes = _VALID_MODES

    def __init__(self, **kwargs):
        validate_sensor_args(kwargs.get('task_id'), kwargs)
        super().__init__(**kwargs)

    def poke(self, context):
        raise AirflowException('Override me.')


class PythonSensor(BaseSensorOperator):
    """Records python_callable (the poke), op_args, op_kwargs and templates_dict."""
    _windsock_path = 'airflow.sensors.python.PythonSensor'
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')

    def __init__(self, *, python_callable=None, **kwargs):
        if not callable(python_callable):
            raise AirflowException('`python_callable` param must be callable')
        super().__init__(python_callable=python_callable, **kwargs)
