"""airflow.models.Variable at parse time: answered from the snapshot of the metastore's variables
the loader sends with each file (Airflow reads them from the metastore while parsing, too)."""
import json

from windsock._errors import Refused
from windsock._params import NOTSET

_SNAPSHOT = {}


def set_snapshot(variables):
    global _SNAPSHOT
    _SNAPSHOT = dict(variables)


class Variable:
    def __init__(self, key=None, val=None, description=None):
        self.key = key
        self.val = val
        self.description = description

    @classmethod
    def get(cls, key, default_var=NOTSET, deserialize_json=False, *, default=NOTSET):
        # Airflow 2 names the fallback default_var, airflow.sdk (3.x) names it default.
        fallback = default_var if default_var is not NOTSET else default
        if key not in _SNAPSHOT:
            if fallback is NOTSET:
                raise KeyError(f'Variable {key} does not exist')
            return fallback
        value = _SNAPSHOT[key]
        return json.loads(value) if deserialize_json else value

    @classmethod
    def setdefault(cls, key, default, description=None, deserialize_json=False):
        return cls.get(key, default_var=default, deserialize_json=deserialize_json)

    @classmethod
    def set(cls, key, value, *args, **kwargs):
        raise Refused(f"Variable.set('{key}')", 'a DAG file may read variables but not write them')

    @classmethod
    def update(cls, key, value, *args, **kwargs):
        raise Refused(f"Variable.update('{key}')", 'a DAG file may read variables but not write them')

    @classmethod
    def delete(cls, key, *args, **kwargs):
        raise Refused(f"Variable.delete('{key}')", 'a DAG file may read variables but not write them')
