"""TaskFlow: @task, @task.python, @task.branch, @task.short_circuit and @task.kubernetes. Calling a decorated function inside a DAG
declares a task that runs the function (recorded as python_callable + op_args/op_kwargs) and
returns an XComArg for its result; passing that XComArg to another task makes an edge.

Operator paths recorded (the modules Airflow reports for these operators):
  @task, @task.python  -> airflow.decorators.python
  @task.branch         -> airflow.decorators.branch_python
  @task.short_circuit  -> airflow.decorators.short_circuit
  @task.sensor         -> airflow.decorators.sensor
  @task.kubernetes     -> airflow.providers.cncf.kubernetes.decorators.kubernetes
"""
import functools
import re

from windsock._exceptions import AirflowException
from windsock._operator import BaseOperator
from windsock._state import STATE
from windsock._xcom import XComArg


class _PythonDecoratedOperator(BaseOperator):
    _windsock_path = 'airflow.decorators.python'
    custom_operator_name = '@task'
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')


class _BranchPythonDecoratedOperator(BaseOperator):
    _windsock_path = 'airflow.decorators.branch_python'
    custom_operator_name = '@task.branch'
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')


class _ShortCircuitDecoratedOperator(BaseOperator):
    _windsock_path = 'airflow.decorators.short_circuit'
    custom_operator_name = '@task.short_circuit'
    template_fields = ('templates_dict', 'op_args', 'op_kwargs')


class _SensorDecoratedOperator(BaseOperator):
    """@task.sensor: the function is the poke (windsock._sensors)."""
    _windsock_path = 'airflow.decorators.sensor'
    custom_operator_name = '@task.sensor'
    template_fields = ('op_args', 'op_kwargs')

    def __init__(self, **kwargs):
        from windsock._sensors import validate_sensor_args
        validate_sensor_args(kwargs.get('task_id'), kwargs)
        super().__init__(**kwargs)


class _KubernetesDecoratedOperator(BaseOperator):
    _windsock_path = 'airflow.providers.cncf.kubernetes.decorators.kubernetes'
    custom_operator_name = '@task.kubernetes'
    template_fields = ('op_args', 'op_kwargs', 'image', 'cmds', 'arguments', 'env_vars', 'namespace')


class _TaskDecorator:
    def __init__(self, function, operator_class, kwargs):
        if not callable(function):
            raise TypeError(f'@task must decorate a function, not {type(function).__name__}')
        self.function = function
        self.operator_class = operator_class
        self.kwargs = kwargs
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        opts = dict(self.kwargs)
        task_id = opts.pop('task_id', None) or self.function.__name__
        dag = opts.get('dag') or STATE.current_dag()
        group = opts.get('task_group') or (STATE.current_group(dag) if dag is not None else None)
        operator = self.operator_class(
            task_id=_unique_task_id(task_id, dag, group),
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=kwargs,
            **opts,
        )
        return XComArg(operator)

    def override(self, **kwargs):
        return _TaskDecorator(self.function, self.operator_class, {**self.kwargs, **kwargs})

    def partial(self, **kwargs):
        """`fn.partial(fixed=1).expand(x=[...])`: the function's fixed keyword arguments (windsock._mapping)."""
        return _TaskFlowPartial(self, kwargs)

    def expand(self, **mapped_kwargs):
        return _TaskFlowPartial(self, {}).expand(**mapped_kwargs)

    def expand_kwargs(self, kwargs, *, strict=True):
        return _TaskFlowPartial(self, {}).expand_kwargs(kwargs, strict=strict)


class _TaskFlowPartial:
    def __init__(self, decorator, kwargs):
        self.decorator = decorator
        self.kwargs = kwargs

    def expand(self, **mapped_kwargs):
        from windsock._mapping import _check_expand
        _check_expand('expand', mapped_kwargs)
        for name in mapped_kwargs:
            if name in self.kwargs:
                raise TypeError(f"{self.decorator.function.__name__}.partial() and .expand() both give '{name}'")
        return self._create({'type': 'dict', 'target': 'op_kwargs', 'value': dict(mapped_kwargs)})

    def expand_kwargs(self, kwargs, *, strict=True):
        from windsock._mapping import _check_expand_kwargs
        _check_expand_kwargs(kwargs)
        return self._create({'type': 'list', 'target': 'op_kwargs', 'value': kwargs})

    def _create(self, expand_input):
        from windsock._mapping import mark_mapped
        d = self.decorator
        opts = dict(d.kwargs)
        task_id = opts.pop('task_id', None) or d.function.__name__
        dag = opts.get('dag') or STATE.current_dag()
        group = opts.get('task_group') or (STATE.current_group(dag) if dag is not None else None)
        operator = d.operator_class(task_id=_unique_task_id(task_id, dag, group), python_callable=d.function,
                                    op_args=[], op_kwargs=dict(self.kwargs), **opts)
        mark_mapped(operator, expand_input)
        return XComArg(operator)


def _unique_task_id(task_id, dag, group):
    """Airflow's get_unique_task_id: calling one @task twice gives task, task__1, task__2, ..."""
    if dag is None:
        return task_id
    full_id = group.child_id(task_id) if group is not None else task_id
    if full_id not in dag._tasks:
        return task_id
    prefix = re.split(r'__\d+$', full_id)[0]
    pattern = re.compile(rf'^{re.escape(prefix)}__(\d+)$')
    suffixes = [int(m.group(1)) for tid in dag._tasks if (m := pattern.match(tid))]
    core = re.split(r'__\d+$', task_id)[0]
    return f'{core}__{max(suffixes, default=0) + 1}'


def _decorator(operator_class):
    def decorate(python_callable=None, **kwargs):
        if python_callable is not None:
            return _TaskDecorator(python_callable, operator_class, kwargs)
        return lambda function: _TaskDecorator(function, operator_class, kwargs)
    return decorate


class _TaskDecoratorCollection:
    """The `task` object: @task, @task(...), @task.python, @task.kubernetes(image=...)."""

    def __init__(self):
        self._python = _decorator(_PythonDecoratedOperator)
        self.python = self._python
        self.kubernetes = _decorator(_KubernetesDecoratedOperator)
        self.branch = _decorator(_BranchPythonDecoratedOperator)
        self.short_circuit = _decorator(_ShortCircuitDecoratedOperator)
        self.sensor = _decorator(_SensorDecoratedOperator)

    def __call__(self, python_callable=None, **kwargs):
        return self._python(python_callable, **kwargs)

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        raise AttributeError(
            f'@task.{name} is not supported by Windsock: the TaskFlow decorators it runs are @task, '
            f'@task.python, @task.branch, @task.short_circuit, @task.sensor and @task.kubernetes')


task = _TaskDecoratorCollection()
