"""airflow.models.param: Param, ParamsDict, and the DagParam that @dag passes for its arguments."""
from windsock._serialize import to_json


class _NotSet:
    def __repr__(self):
        return 'NOTSET'

    def __bool__(self):
        return False


NOTSET = _NotSet()
ARG_NOT_SET = NOTSET


class Param:
    """A DAG param: a default and a JSON-schema fragment (`type`, `enum`, `minimum`, ...).
    Recorded as {"__type": "param", "default"?, "description", "schema"}; validated by the normalizer."""

    def __init__(self, default=NOTSET, description=None, **schema):
        self.value = default
        self.description = description
        self.schema = schema

    def has_value(self):
        return self.value is not NOTSET

    def resolve(self, value=NOTSET, suppress_exception=False):
        return self.value if value is NOTSET else value

    def __windsock_json__(self):
        out = {'__type': 'param', 'description': self.description, 'schema': to_json(self.schema)}
        if self.value is not NOTSET:  # no key at all = a param without a default
            out['default'] = to_json(self.value)
        return out

    def __repr__(self):
        return f'Param({self.value!r})'


class ParamsDict(dict):
    """Airflow's ParamsDict: a dict of Params (plain values are allowed and kept as given)."""

    def __init__(self, dict_obj=None, suppress_exception=False):
        super().__init__(dict_obj or {})

    def get_param(self, key):
        value = self[key]
        return value if isinstance(value, Param) else Param(value)

    def validate(self):
        return {k: (v.value if isinstance(v, Param) else v) for k, v in self.items()}


class DagParam:
    """What a @dag function receives for each of its arguments: a reference to the DAG param of
    that name, resolved when the task runs. Recorded as the Jinja template that reads it."""

    def __init__(self, name, default=NOTSET):
        self._name = name
        self._default = default

    def __windsock_json__(self):
        return '{{ params.%s }}' % self._name

    def __str__(self):
        return '{{ params.%s }}' % self._name

    __repr__ = __str__
