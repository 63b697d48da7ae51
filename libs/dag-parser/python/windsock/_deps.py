"""Airflow's DependencyMixin (airflow/models/taskmixin.py): `a >> b`, `a << b` and their reflections over lists,
in terms of set_downstream / set_upstream. Operators, task groups and XComArgs share it."""


class DependencyMixin:
    def set_upstream(self, other, edge_modifier=None):
        raise NotImplementedError

    def set_downstream(self, other, edge_modifier=None):
        raise NotImplementedError

    def __rshift__(self, other):
        self.set_downstream(other)
        return other

    def __lshift__(self, other):
        self.set_upstream(other)
        return other

    def __rrshift__(self, other):
        self.set_upstream(other)
        return self

    def __rlshift__(self, other):
        self.set_downstream(other)
        return self
