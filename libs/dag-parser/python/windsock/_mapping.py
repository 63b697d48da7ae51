"""Dynamic task mapping (Airflow's MappedOperator / expandinput.py): `Op.partial(**kw).expand(arg=...)`,
`.expand_kwargs(...)`, and the TaskFlow forms `fn.partial(**kw).expand(...)`, `fn.expand(...)`.

A mapped task is recorded as an ordinary task whose arguments are the partial ones plus the expanded ones (so the
operator's argument checks see every argument), and an `expand_input`:
  {"type": "dict", "target": "args" | "op_kwargs", "value": {arg: <list | dict | xcomarg>}}   (.expand: cross product)
  {"type": "list", "target": "args" | "op_kwargs", "value": <list of dicts | xcomarg>}          (.expand_kwargs)
The scheduler expands it into map_index 0..N-1 at run time; here nothing is evaluated."""
from windsock._exceptions import AirflowException

# BaseOperator arguments Airflow refuses to map (MappedOperator's validation: these shape the task, not a try).
_UNMAPPABLE = frozenset(('task_id', 'dag', 'task_group', 'default_args', 'trigger_rule', 'depends_on_past',
                         'wait_for_downstream', 'pool', 'queue', 'priority_weight', 'weight_rule', 'retries',
                         'max_active_tis_per_dag', 'max_active_tis_per_dagrun', 'executor_config', 'owner'))


def _is_mappable(value):
    return isinstance(value, (list, tuple, dict)) or getattr(value, '_is_xcomarg', False)


def _check_expand(kind, kwargs):
    if not kwargs:
        raise TypeError('no arguments to expand against')
    for name, value in kwargs.items():
        if name in _UNMAPPABLE:
            raise ValueError(f"cannot map over BaseOperator argument '{name}'")
        if not _is_mappable(value):
            raise ValueError(f'Expected a list, dict or XComArg to map over {name!r}, not {type(value).__name__}')
        if getattr(value, '_windsock_unsupported', None):
            raise AirflowException(value._windsock_unsupported)


def _check_expand_kwargs(value):
    if getattr(value, '_is_xcomarg', False):
        return
    if not isinstance(value, (list, tuple)):
        raise TypeError(f'expected a list or XComArg to expand_kwargs over, not {type(value).__name__}')
    for item in value:
        if not isinstance(item, dict) and not getattr(item, '_is_xcomarg', False):
            raise TypeError(f'expected a dict or XComArg in the list given to expand_kwargs, not {type(item).__name__}')


class OperatorPartial:
    """`SomeOperator.partial(task_id=..., **kwargs)`: waits for .expand or .expand_kwargs."""

    def __init__(self, operator_class, kwargs):
        if 'task_id' not in kwargs:
            raise TypeError("partial() missing required keyword argument: 'task_id'")
        self.operator_class = operator_class
        self.kwargs = kwargs
        self._expanded = False

    def expand(self, **mapped_kwargs):
        _check_expand('expand', mapped_kwargs)
        for name in mapped_kwargs:
            if name in self.kwargs:
                raise TypeError(f"{self.operator_class.__name__}.partial() and .expand() both give '{name}'")
        return self._create({'type': 'dict', 'target': 'args', 'value': dict(mapped_kwargs)}, mapped_kwargs)

    def expand_kwargs(self, kwargs, *, strict=True):
        _check_expand_kwargs(kwargs)
        return self._create({'type': 'list', 'target': 'args', 'value': kwargs}, {})

    def _create(self, expand_input, mapped_kwargs):
        if self._expanded:
            raise AirflowException('this partial() was already expanded')
        self._expanded = True
        op = self.operator_class(**self.kwargs, **{k: _placeholder(v) for k, v in mapped_kwargs.items()})
        mark_mapped(op, expand_input)
        return op

    def __del__(self):
        pass  # Airflow warns about an unexpanded partial; an unexpanded one simply declares nothing here


def _placeholder(value):
    """The value the operator's __init__ sees for an expanded argument: the mapped source itself (an XComArg makes
    its task upstream through the usual path)."""
    return value


def mark_mapped(op, expand_input):
    from windsock._operator import _depend_on_xcomargs
    op.__dict__['_expand_input'] = expand_input
    _depend_on_xcomargs(op, expand_input['value'])


def expand_input_json(op):
    from windsock._serialize import to_json
    expand_input = op.__dict__.get('_expand_input')
    if expand_input is None:
        return None
    return {**expand_input, 'value': to_json(expand_input['value'])}
