"""airflow.utils.edgemodifier.Label: a label on an edge (a >> Label("x") >> b). Only the edge is
recorded; the label is for the UI, which Windsock does not draw from it."""


class EdgeModifier:
    _is_edge_modifier = True

    def __init__(self, label=None):
        self.label = label
        self._upstream = []

    def _targets(self, other):
        return other if isinstance(other, (list, tuple)) else [other]

    def __rrshift__(self, other):
        self._upstream = self._targets(other)
        return self

    def __rshift__(self, other):
        for up in self._upstream:
            up >> other
        return other

    def set_upstream(self, other, edge_modifier=None):
        self._upstream = self._targets(other)

    def set_downstream(self, other, edge_modifier=None):
        for up in self._upstream:
            up.set_downstream(other)


def Label(label):  # noqa: N802 (Airflow's name)
    return EdgeModifier(label)
