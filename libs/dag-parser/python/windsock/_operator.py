"""BaseOperator: records a task (its operator's import path, explicit keyword arguments, group and
upstream edges) and implements Airflow's dependency API: >>, <<, set_upstream/set_downstream,
chain, chain_linear, cross_downstream."""
from windsock._exceptions import AirflowException
from windsock._keys import validate_key
from windsock._serialize import to_json
from windsock._state import STATE, caller_line
from windsock._deps import DependencyMixin

# Methods that make an operator subclass run code of its own: such a subclass is recorded under its
# own path (and rejected by the registry), not as the built-in operator it extends.
_BEHAVIOUR = ('execute', 'pre_execute', 'post_execute', 'execute_complete')
_INTERNAL = frozenset(('task_id', 'dag', 'task_group'))
_RUNNABLE_BASES = ('airflow.operators.empty.EmptyOperator', 'airflow.providers.standard.operators.empty.EmptyOperator',
                   'airflow.operators.dummy.DummyOperator', 'airflow.operators.dummy_operator.DummyOperator')


def STATE_DAG_FOLDER():  # noqa: N802
    from windsock import _state
    return _state.DAG_FOLDER


class BaseOperator(DependencyMixin):
    template_fields = ()
    template_ext = ()
    ui_color = '#fff'
    ui_fgcolor = '#000'

    def __init__(self, *args, task_id=None, dag=None, task_group=None, **kwargs):
        # An operator's own default_args stay a keyword argument: the normalizer applies them (to
        # the arguments the operator takes, over the group's and the DAG's), as Airflow does.
        if args:
            raise AirflowException('Use keyword arguments when initializing operators')
        if task_id is None:
            raise TypeError(f"{type(self).__name__}.__init__() missing required keyword argument: 'task_id'")
        validate_key(task_id, 'task_id')
        dag = dag if dag is not None else getattr(task_group, 'dag', None) or STATE.current_dag()
        if task_group is None and dag is not None:
            task_group = STATE.current_group(dag)
        d = self.__dict__
        d['_label'] = task_id
        d['task_id'] = task_group.child_id(task_id) if task_group is not None else task_id
        d['_group'] = task_group
        d['_kwargs'] = kwargs
        d['_upstream'] = {}
        d['_downstream'] = {}
        d['_dag'] = None
        d['_line'] = caller_line()
        if dag is not None:
            self._join(dag)
        if task_group is not None:
            task_group.children[self.task_id] = self
        _depend_on_xcomargs(self, kwargs)

    # -- what DAG files read and write ---------------------------------------------------------
    @property
    def dag(self):
        return self._dag

    @property
    def dag_id(self):
        return self._dag.dag_id if self._dag is not None else None

    @property
    def task_group(self):
        return self._group

    @property
    def upstream_task_ids(self):
        return set(self._upstream)

    @property
    def downstream_task_ids(self):
        return set(self._downstream)

    @property
    def upstream_list(self):
        return list(self._upstream.values())

    @property
    def downstream_list(self):
        return list(self._downstream.values())

    @property
    def output(self):
        from windsock._xcom import XComArg
        return XComArg(self)

    @property
    def operator_name(self):
        return type(self).__name__

    def __getattr__(self, name):
        kwargs = self.__dict__.get('_kwargs')
        if kwargs is not None and name in kwargs:
            return kwargs[name]
        if name.startswith('_'):
            raise AttributeError(name)
        dag = self.__dict__.get('_dag')
        if dag is not None and name in dag.default_args:
            return dag.default_args[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        if name == 'dag':
            self._join(value)
        elif name.startswith('_') or '_kwargs' not in d or name == 'task_id':
            d[name] = value
        else:
            d['_kwargs'][name] = value  # task.doc_md = ..., task.trigger_rule = ... after the fact

    def __repr__(self):
        return f'<Task({type(self).__name__}): {self.task_id}>'

    # -- dependencies --------------------------------------------------------------------------
    def set_downstream(self, other, edge_modifier=None):
        for task in _flatten(other, roots=True, source=self):
            _edge(self, task)

    def set_upstream(self, other, edge_modifier=None):
        for task in _flatten(other, roots=False):
            _edge(task, self)

    @classmethod
    def partial(cls, **kwargs):
        """Dynamic task mapping: `Op.partial(task_id=..., **fixed).expand(arg=[...])` (windsock._mapping)."""
        from windsock._mapping import OperatorPartial
        return OperatorPartial(cls, kwargs)

    @property
    def is_mapped(self):
        return '_expand_input' in self.__dict__

    # -- recording -----------------------------------------------------------------------------
    def _join(self, dag):
        if dag is None or dag is self._dag:
            return
        if self._dag is not None:
            raise AirflowException(f"Task '{self.task_id}' already belongs to DAG '{self._dag.dag_id}'")
        self.__dict__['_dag'] = dag
        dag._add_task(self)

    @classmethod
    def _operator_path(cls):
        for klass in cls.__mro__:
            own = klass.__dict__
            if '_windsock_path' in own:
                return own['_windsock_path']
            if klass is BaseOperator:
                return 'airflow.models.baseoperator.BaseOperator'
            if any(m in own for m in _BEHAVIOUR):
                return _class_path(klass)
        return _class_path(cls)

    def execute(self, context):
        raise NotImplementedError()

    @property
    def log(self):
        import logging
        return logging.getLogger(f'airflow.task.operators.{type(self).__module__}.{type(self).__name__}')

    def _custom_operator(self):
        """A subclass of BaseOperator or EmptyOperator defined in a DAG-folder file with execute() of its own:
        recorded with its module's text, for the task runtime to build and execute. Subclasses of other operators
        are not: their execute() would call into operators the shim only records."""
        for klass in type(self).__mro__:
            own = klass.__dict__
            if '_windsock_path' in own or klass is BaseOperator:
                return None
            method = own.get('execute')
            if method is None:
                continue
            base = next((k for k in klass.__mro__[1:] if '_windsock_path' in k.__dict__ or k is BaseOperator), BaseOperator)
            if base is not BaseOperator and base.__dict__.get('_windsock_path') not in _RUNNABLE_BASES:
                return None
            filename = getattr(getattr(method, '__code__', None), 'co_filename', '')
            if not filename.startswith(STATE_DAG_FOLDER() + '/'):
                return None
            import linecache
            lines = linecache.getlines(filename)
            if not lines:
                return None
            return {'class_name': klass.__qualname__, 'module_source': ''.join(lines),
                    'template_fields': [f for f in type(self).template_fields if isinstance(f, str)]}
        return None

    def _declaration(self):
        from windsock._mapping import expand_input_json
        expand_input = expand_input_json(self)
        mapped = set(expand_input['value']) if expand_input and expand_input['type'] == 'dict' \
            and expand_input['target'] == 'args' else set()
        kwargs = {k: v for k, v in self._kwargs.items() if k not in _INTERNAL and k not in mapped}
        custom = self._custom_operator()
        return {
            **({'custom_operator': custom} if custom else {}),
            **({'expand_input': expand_input} if expand_input else {}),
            'task_id': self.task_id,
            'operator_path': self._operator_path(),
            'kwargs': to_json(kwargs),
            'task_group_id': self._group.group_id if self._group is not None else None,
            'upstream': list(self._upstream),
            'line': self._line,
        }


def _class_path(klass):
    module = klass.__module__
    if module.startswith('unusual_prefix_'):  # a class defined in the DAG file itself
        module = module.split('_', 3)[-1] if module.count('_') >= 3 else module
    return f'{module}.{klass.__qualname__}'


def _edge(up, down):
    if up._dag is None and down._dag is not None:
        up._join(down._dag)
    elif down._dag is None and up._dag is not None:
        down._join(up._dag)
    elif up._dag is not down._dag:
        raise AirflowException(
            f"Tried to set relationships between tasks in more than one DAG: {[up._dag, down._dag]}")
    down._upstream[up.task_id] = up
    up._downstream[down.task_id] = down


def _flatten(other, roots, source=None):
    """Tasks named by `other`: a task, an XComArg, a TaskGroup (its roots when `other` is
    downstream, its leaves when upstream), or a list/tuple/set of those."""
    items = other if isinstance(other, (list, tuple, set, frozenset)) else [other]
    out = []
    for item in items:
        if isinstance(item, BaseOperator):
            out.append(item)
        elif getattr(item, '_is_xcomarg', False):
            out.append(item.operator)
        elif getattr(item, '_is_task_group', False):
            out.extend(item.get_roots() if roots else item.get_leaves())
        elif getattr(item, '_is_edge_modifier', False):
            if source is not None:  # a >> Label("x") >> b: the label passes `a` on to `b`
                item._upstream.append(source)
        else:
            raise TypeError(f'Relationships can only be set between operators, XComArgs and TaskGroups; '
                            f'got {type(item).__name__}')
    return out


def _depend_on_xcomargs(task, value, depth=0):
    """An XComArg among the arguments makes its task upstream, as Airflow does for template fields."""
    if depth > 8:
        return
    if getattr(value, '_is_xcomarg', False):
        _edge(value.operator, task)
    elif isinstance(value, dict):
        for v in value.values():
            _depend_on_xcomargs(task, v, depth + 1)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            _depend_on_xcomargs(task, v, depth + 1)


def _is_relatable(x):
    return isinstance(x, BaseOperator) or getattr(x, '_is_xcomarg', False) or getattr(x, '_is_task_group', False)


def chain(*tasks):
    """Airflow's chain: consecutive >>; two adjacent lists must have the same length and are linked
    pairwise."""
    for up, down in zip(tasks, tasks[1:]):
        if _is_relatable(up):
            up.set_downstream(down)
            continue
        if _is_relatable(down):
            down.set_upstream(up)
            continue
        if not isinstance(up, (list, tuple)) or not isinstance(down, (list, tuple)):
            raise TypeError(f'Chain not supported between instances of {type(up)} and {type(down)}')
        if len(up) != len(down):
            raise AirflowException(
                f'Chain not supported for different length Iterable. Got {len(up)} and {len(down)}.')
        for up_task, down_task in zip(up, down):
            up_task.set_downstream(down_task)


def chain_linear(*elements):
    """Every task of each element upstream of every task of the next (Airflow 2.7+)."""
    if len(elements) < 2:
        raise ValueError('chain_linear requires at least two arguments')
    for up, down in zip(elements, elements[1:]):
        ups = up if isinstance(up, (list, tuple)) else [up]
        for u in ups:
            u.set_downstream(down)


def cross_downstream(from_tasks, to_tasks):
    for task in from_tasks:
        task.set_downstream(to_tasks)
