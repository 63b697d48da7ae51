"""XComArg: a task's result as another task's argument (TaskFlow calls, `task.output`). Passing one
makes its task upstream; it is recorded as {"__type": "xcomarg", "task_id", "key"}."""
from windsock._exceptions import AirflowException
from windsock._deps import DependencyMixin


class XComArg(DependencyMixin):
    _is_xcomarg = True

    def __init__(self, operator, key='return_value'):
        self.operator = operator
        self.key = key

    def __getitem__(self, key):
        return XComArg(self.operator, key)

    def __iter__(self):
        raise TypeError("'XComArg' object is not iterable")

    def __windsock_json__(self):
        return {'__type': 'xcomarg', 'task_id': self.operator.task_id, 'key': self.key}

    def __str__(self):
        # Airflow renders an XComArg in a string (an f-string, say) as the template that pulls it.
        args = [f"task_ids='{self.operator.task_id}'", f"dag_id='{self.operator.dag_id}'"]
        if self.key is not None:
            args.append(f"key='{self.key}'")
        return '{{ task_instance.xcom_pull(' + ', '.join(args) + ') }}'

    def __repr__(self):
        return f'XComArg({self.operator!r}, {self.key!r})'

    def set_upstream(self, other, edge_modifier=None):
        self.operator.set_upstream(other)

    def set_downstream(self, other, edge_modifier=None):
        self.operator.set_downstream(other)

    def map(self, *args, **kwargs):
        raise AirflowException('XComArg.map() (transforming a mapped source) is not supported by Windsock yet; '
                               'map over the upstream value directly')

    def zip(self, *args, **kwargs):
        raise AirflowException('XComArg.zip() is not supported by Windsock yet')

    def concat(self, *args, **kwargs):
        raise AirflowException('XComArg.concat() is not supported by Windsock yet')
