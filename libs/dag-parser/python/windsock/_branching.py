"""Branching and skipping operators (Airflow's BranchPythonOperator, ShortCircuitOperator, BranchDateTimeOperator,
BranchDayOfWeekOperator, LatestOnlyOperator). Like every shim operator they only record themselves; the worker
applies their skips (libs/dag-model/src/skips.ts). Arguments are checked here as Airflow's constructors do, so a
DAG file Airflow refuses is refused at parse time too."""
import datetime

from windsock._exceptions import AirflowException
from windsock._operator import BaseOperator


class _PythonCallableOperator(BaseOperator):
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')

    def __init__(self, *args, python_callable=None, **kwargs):
        if not callable(python_callable):
            raise AirflowException('`python_callable` param must be callable')
        super().__init__(*args, python_callable=python_callable, **kwargs)


class BranchPythonOperator(_PythonCallableOperator):
    _windsock_path = 'airflow.operators.python.BranchPythonOperator'


class ShortCircuitOperator(_PythonCallableOperator):
    _windsock_path = 'airflow.operators.python.ShortCircuitOperator'


class BranchDateTimeOperator(BaseOperator):
    _windsock_path = 'airflow.operators.datetime.BranchDateTimeOperator'

    def __init__(self, *args, follow_task_ids_if_true=None, follow_task_ids_if_false=None, target_lower=None,
                 target_upper=None, **kwargs):
        if target_lower is None and target_upper is None:
            raise AirflowException('Both target_upper and target_lower are None. At least one must be defined to be '
                                   'compared to the current datetime')
        for t in (target_lower, target_upper):
            if t is not None and not isinstance(t, (datetime.time, datetime.datetime)):
                raise TypeError(f'target must be a datetime.time or datetime.datetime, not {type(t).__name__}')
        super().__init__(*args, follow_task_ids_if_true=follow_task_ids_if_true,
                         follow_task_ids_if_false=follow_task_ids_if_false, target_lower=target_lower,
                         target_upper=target_upper, **kwargs)


def target_times_as_dates(base_date, lower, upper):
    """Airflow's helper: times put on base_date's date, upper moved a day on when it falls before lower."""
    if isinstance(lower, datetime.datetime) and isinstance(upper, datetime.datetime):
        return lower, upper
    if lower is not None and isinstance(lower, datetime.time):
        lower = datetime.datetime.combine(base_date, lower)
    if upper is not None and isinstance(upper, datetime.time):
        upper = datetime.datetime.combine(base_date, upper)
    if lower is None or upper is None:
        return lower, upper
    if upper < lower:
        upper += datetime.timedelta(days=1)
    return lower, upper


class BranchDayOfWeekOperator(BaseOperator):
    _windsock_path = 'airflow.operators.weekday.BranchDayOfWeekOperator'

    def __init__(self, *args, follow_task_ids_if_true=None, follow_task_ids_if_false=None, week_day=None, **kwargs):
        from airflow.utils.weekday import WeekDay
        WeekDay.validate_week_day(week_day)
        super().__init__(*args, follow_task_ids_if_true=follow_task_ids_if_true,
                         follow_task_ids_if_false=follow_task_ids_if_false, week_day=week_day, **kwargs)


class LatestOnlyOperator(BaseOperator):
    _windsock_path = 'airflow.operators.latest_only.LatestOnlyOperator'
    ui_color = '#e9ffdb'


class BaseBranchOperator(BaseOperator):
    """Subclasses implement choose_branch(context): code of their own, which Windsock does not run yet."""
    _windsock_path = 'airflow.operators.branch.BaseBranchOperator'

    def choose_branch(self, context):
        raise NotImplementedError


def is_venv_installed():
    """Windsock runs no virtualenv operators (PythonVirtualenvOperator, ExternalPythonOperator): as on an Airflow
    without virtualenv installed, files that check first declare nothing instead of failing."""
    return False
