"""ExternalTaskSensor and ExternalTaskMarker (airflow/sensors/external_task.py). The sensor reads the metastore, so
the worker pokes it itself (apps/worker/src/external-task-sensor.ts); the marker does nothing when it runs."""
import datetime

from windsock._exceptions import AirflowException
from windsock._operator import BaseOperator
from windsock._sensors import BaseSensorOperator


class ExternalTaskSensor(BaseSensorOperator):
    _windsock_path = 'airflow.sensors.external_task.ExternalTaskSensor'
    template_fields = ('external_dag_id', 'external_task_id', 'external_task_ids', 'external_task_group_id')
    ui_color = '#4db7db'

    def __init__(self, *, external_dag_id, external_task_id=None, external_task_ids=None, external_task_group_id=None,
                 allowed_states=None, skipped_states=None, failed_states=None, execution_delta=None,
                 execution_date_fn=None, check_existence=False, **kwargs):
        if external_task_id is not None and external_task_ids is not None:
            raise ValueError('Only one of `external_task_id` or `external_task_ids` may be provided to ExternalTaskSensor; '
                             'use external_task_id or external_task_ids or external_task_group_id.')
        if external_task_id is not None:
            external_task_ids = [external_task_id]
        if external_task_group_id is not None and external_task_ids is not None:
            raise ValueError('Only one of `external_task_group_id` or `external_task_ids` may be provided to ExternalTaskSensor; '
                             'use external_task_id or external_task_ids or external_task_group_id.')
        if execution_delta is not None and execution_date_fn is not None:
            raise ValueError('Only one of `execution_delta` or `execution_date_fn` may be provided to ExternalTaskSensor; not both.')
        if execution_date_fn is not None:
            raise AirflowException('ExternalTaskSensor: execution_date_fn is not supported by Windsock yet; use execution_delta')
        if execution_delta is not None and not isinstance(execution_delta, datetime.timedelta):
            raise AirflowException('execution_delta must be a datetime.timedelta')
        allowed_states = list(allowed_states) if allowed_states is not None else ['success']
        args = dict(external_dag_id=external_dag_id, external_task_ids=external_task_ids,
                    external_task_group_id=external_task_group_id, allowed_states=[str(s) for s in allowed_states],
                    skipped_states=[str(s) for s in (skipped_states or [])], failed_states=[str(s) for s in (failed_states or [])],
                    check_existence=check_existence)
        if execution_delta is not None:
            args['execution_delta'] = execution_delta
        super().__init__(**args, **kwargs)


class ExternalTaskMarker(BaseOperator):
    """Marks that clearing this task also clears external_dag_id.external_task_id (Airflow's recursive clear)."""
    _windsock_path = 'airflow.sensors.external_task.ExternalTaskMarker'
    template_fields = ('external_dag_id', 'external_task_id', 'execution_date')
    ui_color = '#4db7db'

    def __init__(self, *, external_dag_id, external_task_id, execution_date='{{ logical_date.isoformat() }}',
                 recursion_depth=10, **kwargs):
        if recursion_depth <= 0:
            raise ValueError('recursion_depth should be a positive integer')
        if isinstance(execution_date, datetime.datetime):
            execution_date = execution_date.isoformat()
        super().__init__(external_dag_id=external_dag_id, external_task_id=external_task_id,
                         execution_date=execution_date, recursion_depth=recursion_depth, **kwargs)
