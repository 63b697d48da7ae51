"""TaskGroup and @task_group. A task in a group gets the group's id as a prefix ("group.task"),
nested groups chain their prefixes, and prefix_group_id=False turns that off: Airflow's rules
(airflow/utils/task_group.py)."""
import functools
import re

from windsock._exceptions import AirflowException, DuplicateTaskIdFound
from windsock._keys import validate_key
from windsock._serialize import to_json
from windsock._state import STATE
from windsock._deps import DependencyMixin


class TaskGroup(DependencyMixin):
    _is_task_group = True

    def __init__(self, group_id=None, prefix_group_id=True, parent_group=None, dag=None, default_args=None,
                 tooltip='', ui_color='CornflowerBlue', ui_fgcolor='#000', add_suffix_on_collision=False,
                 group_display_name=None):
        if group_id is None:
            raise AirflowException('group_id must be given for a TaskGroup')
        validate_key(group_id, 'group_id')
        dag = dag or getattr(parent_group, 'dag', None) or STATE.current_dag()
        if dag is None:
            raise AirflowException('TaskGroup can only be used inside a dag')
        self.dag = dag
        self._parent_group = parent_group if parent_group is not None else STATE.current_group(dag)
        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        self.children = {}
        self._group_id = group_id
        if self.group_id in dag._groups or self.group_id in dag._tasks:
            if not add_suffix_on_collision:
                raise DuplicateTaskIdFound(f"group_id '{self.group_id}' has already been added to the DAG")
            self._group_id = _with_suffix(group_id, self.group_id, dag)
        parent_args = self._parent_group.default_args if self._parent_group is not None else {}
        self.default_args = {**parent_args, **(default_args or {})}
        dag._add_group(self)
        if self._parent_group is not None:
            self._parent_group.children[self.group_id] = self

    @property
    def group_id(self):
        parent = self._parent_group
        if parent is not None and parent.prefix_group_id and parent._group_id:
            return parent.child_id(self._group_id)
        return self._group_id

    @property
    def label(self):
        return self._group_id

    def child_id(self, label):
        if self.prefix_group_id:
            group_id = self.group_id
            if group_id:
                return f'{group_id}.{label}'
        return label

    def __enter__(self):
        STATE.group_stack.append(self)
        return self

    def __exit__(self, *exc):
        STATE.group_stack.pop()
        return False

    def __repr__(self):
        return f'<TaskGroup: {self.group_id}>'

    def tasks(self):
        """Every task in the group and its subgroups."""
        for child in self.children.values():
            if getattr(child, '_is_task_group', False):
                yield from child.tasks()
            else:
                yield child

    def get_roots(self):
        tasks = list(self.tasks())
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not ids.intersection(t._upstream)]

    def get_leaves(self):
        tasks = list(self.tasks())
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not ids.intersection(t._downstream)]

    def set_downstream(self, other, edge_modifier=None):
        for task in self.get_leaves():
            task.set_downstream(other)

    def set_upstream(self, other, edge_modifier=None):
        for task in self.get_roots():
            task.set_upstream(other)

    def _declaration(self):
        out = {
            'group_id': self.group_id,
            'parent_group_id': self._parent_group.group_id if self._parent_group is not None else None,
            'tooltip': self.tooltip or '',
        }
        if self.default_args:
            out['default_args'] = to_json(self.default_args)
        return out


def _with_suffix(label, full_id, dag):
    """group__1, group__2, ...: how @task_group names repeated calls."""
    base = re.split(r'__\d+$', full_id)[0]
    pattern = re.compile(rf'^{re.escape(base)}__(\d+)$')
    taken = [int(m.group(1)) for gid in list(dag._groups) + list(dag._tasks) if (m := pattern.match(gid))]
    core = re.split(r'__\d+$', label)[0]
    return f'{core}__{max(taken, default=0) + 1}'


class _TaskGroupFactory:
    def __init__(self, function, tg_kwargs):
        self.function = function
        self.tg_kwargs = tg_kwargs
        functools.update_wrapper(self, function)

    def override(self, **kwargs):
        return _TaskGroupFactory(self.function, {**self.tg_kwargs, **kwargs})

    def __call__(self, *args, **kwargs):
        tg_kwargs = dict(self.tg_kwargs)
        tg_kwargs.setdefault('group_id', self.function.__name__)
        tg_kwargs.setdefault('add_suffix_on_collision', True)
        with TaskGroup(**tg_kwargs) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = self.function.__doc__
            retval = self.function(*args, **kwargs)
        # A task (or XComArg) returned by the function stands for the group in dependencies, as in
        # Airflow; otherwise the group itself does.
        return retval if retval is not None else group

    def partial(self, *args, **kwargs):
        raise AirflowException('mapped task groups (.partial/.expand) are not supported by Windsock yet')

    expand = partial


def task_group(python_callable=None, **tg_kwargs):
    if callable(python_callable) and not tg_kwargs:
        return _TaskGroupFactory(python_callable, {})
    if python_callable is not None:
        tg_kwargs['group_id'] = python_callable

    def decorator(function):
        return _TaskGroupFactory(function, tg_kwargs)

    return decorator
