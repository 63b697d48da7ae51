"""airflow.DAG and @dag: a DAG object that records its constructor arguments, tasks and groups.

Which DAGs a file declares follows Airflow's DagBag: the DAG objects found in the module's globals,
plus those Airflow auto-registers (used as `with DAG(...)` or built by a @dag function)."""
import functools
import inspect

from windsock._exceptions import DuplicateTaskIdFound, TaskNotFound
from windsock._keys import validate_key
from windsock._params import NOTSET, DagParam, ParamsDict
from windsock._serialize import to_json
from windsock._state import STATE, caller_line

# Attributes that live on the object itself; any other public attribute set on a DAG after it is
# built (dag.doc_md = __doc__, dag.tags = [...]) is recorded as if it had been a keyword argument.
_OWN = frozenset(('default_args',))


class DAG:
    def __init__(self, dag_id=None, description=NOTSET, *args, default_args=None, auto_register=True, **kwargs):
        if args:
            raise TypeError('DAG() takes dag_id and description as positional arguments; pass the rest by keyword')
        if dag_id is None:
            raise TypeError("DAG() missing required argument: 'dag_id'")
        validate_key(dag_id, 'dag_id')
        if description is not NOTSET:
            kwargs['description'] = description
        if 'params' in kwargs and kwargs['params'] is not None:
            kwargs['params'] = ParamsDict(kwargs['params'])
        d = self.__dict__
        d['_dag_id'] = dag_id
        d['_kwargs'] = kwargs
        d['default_args'] = dict(default_args or {})
        d['_auto_register'] = auto_register
        d['_tasks'] = {}
        d['_groups'] = {}
        d['_line'] = caller_line()
        d['_seq'] = STATE.next_seq()
        STATE.dags.append(self)

    # -- what DAG files read and write ---------------------------------------------------------
    @property
    def dag_id(self):
        return self._dag_id

    @property
    def params(self):
        params = self._kwargs.get('params')
        if params is None:
            params = self._kwargs['params'] = ParamsDict()
        return params

    @property
    def tasks(self):
        return list(self._tasks.values())

    @property
    def task_ids(self):
        return list(self._tasks)

    @property
    def task_dict(self):
        return dict(self._tasks)

    @property
    def fileloc(self):
        return STATE.path

    def get_task(self, task_id):
        if task_id not in self._tasks:
            raise TaskNotFound(f'Task {task_id} not found')
        return self._tasks[task_id]

    def has_task(self, task_id):
        return task_id in self._tasks

    def add_task(self, task):
        task.dag = self

    def add_tasks(self, tasks):
        for task in tasks:
            self.add_task(task)

    def param(self, name, default=NOTSET):
        if default is not NOTSET:
            self.params[name] = default
        return DagParam(name, default)

    def __getattr__(self, name):
        kwargs = self.__dict__.get('_kwargs')
        if kwargs is not None and name in kwargs:
            return kwargs[name]
        if name.startswith('_'):
            raise AttributeError(name)
        return None  # an argument the file did not give: Airflow's default applies later

    def __setattr__(self, name, value):
        if name.startswith('_') or name in _OWN:
            self.__dict__[name] = value
        elif name == 'params':
            self._kwargs['params'] = ParamsDict(value)
        elif isinstance(getattr(type(self), name, None), property):
            raise AttributeError(f"DAG attribute '{name}' cannot be set")
        else:
            self._kwargs[name] = value

    def __enter__(self):
        STATE.dag_stack.append(self)
        if self._auto_register and self not in STATE.autoregistered:
            STATE.autoregistered.append(self)
        return self

    def __exit__(self, *exc):
        STATE.dag_stack.pop()
        return False

    def __repr__(self):
        return f'<DAG: {self._dag_id}>'

    # -- recording -----------------------------------------------------------------------------
    def _add_task(self, task):
        if task.task_id in self._tasks and self._tasks[task.task_id] is not task:
            raise DuplicateTaskIdFound(f"Task id '{task.task_id}' has already been added to the DAG")
        if task.task_id in self._groups:
            raise DuplicateTaskIdFound(f"Task id '{task.task_id}' is already used as a TaskGroup id in the DAG")
        self._tasks[task.task_id] = task

    def _add_group(self, group):
        self._groups[group.group_id] = group

    def _declaration(self, fileloc):
        kwargs = dict(self._kwargs)
        if not kwargs.get('params'):
            kwargs.pop('params', None)
        return {
            'dag_id': self._dag_id,
            'fileloc': fileloc,
            'line': self._line,
            'kwargs': to_json(kwargs),
            'default_args': to_json(self.default_args),
            'task_groups': [g._declaration() for g in self._groups.values()],
            'tasks': [t._declaration() for t in self._tasks.values()],
        }


def dag(dag_id=None, *dargs, **dag_kwargs):
    """@dag, @dag(), @dag("id", ...), @dag(dag_id=..., schedule=...): calling the decorated function
    builds the DAG. The function's arguments become DAG params (Airflow's DagParam)."""
    if callable(dag_id) and not dargs and not dag_kwargs:
        return _dag_factory(dag_id, None, {})
    if dargs:
        raise TypeError('@dag takes the dag_id as its only positional argument')

    def decorator(function):
        return _dag_factory(function, dag_id, dag_kwargs)

    return decorator


def _dag_factory(function, dag_id, dag_kwargs):
    signature = inspect.signature(function)
    line = function.__code__.co_firstlineno if function.__code__.co_filename == STATE.path else None

    @functools.wraps(function)
    def factory(*args, **kwargs):
        bound = signature.bind_partial(*args, **kwargs)
        bound.apply_defaults()
        with DAG(dag_id or function.__name__, **dag_kwargs) as built:
            if line is not None or built._line is None:
                built.__dict__['_line'] = line if line is not None else caller_line()
            if function.__doc__ and not built._kwargs.get('doc_md'):
                built._kwargs['doc_md'] = function.__doc__
            arguments = {name: built.param(name, value) for name, value in bound.arguments.items()}
            function(**arguments)
        return built

    return factory


def collect_dags(module_globals):
    """The DAGs a module declares, in creation order; for one dag_id the last one wins (DagBag)."""
    found = [v for v in module_globals.values() if isinstance(v, DAG)]
    found.extend(STATE.autoregistered)
    unique = {}
    for d in sorted(set(found), key=lambda d: d._seq):
        unique.pop(d._dag_id, None)
        unique[d._dag_id] = d
    return list(unique.values())

