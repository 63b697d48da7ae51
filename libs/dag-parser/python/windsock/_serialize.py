"""Python values -> the JSON of a declaration (libs/dag-parser/src/declaration.ts).

JSON values pass through. Values JSON cannot hold are tagged:
  timedelta (pendulum.Duration too)  -> {"__type": "timedelta", "seconds": 300}
  datetime (pendulum.DateTime too)   -> {"__type": "datetime", "value": ISO 8601, "tz": zone or null}
      "value" carries the UTC offset when the zone's offset is known here (UTC, fixed offsets);
      a named zone (Europe/Paris) is carried by name with the wall-clock time as written, since
      Pyodide has no tz database: the normalizer resolves it.
  date                               -> a datetime at midnight, no zone
  functions                          -> {"__type": "callable", ...} (windsock._callable)
Objects that know their form implement `__windsock_json__()` (Param, XComArg, Kubernetes models).
Anything else becomes str(value), as Airflow's serializer does with types it does not know.
"""
import datetime
import enum
import math
import types

_MAX_DEPTH = 64
_SCALARS = (str, bool, int, type(None))


def to_json(value, _depth=0):
    if isinstance(value, _SCALARS):
        if isinstance(value, enum.Enum):
            return to_json(value.value, _depth + 1)
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if _depth > _MAX_DEPTH:
        return str(value)
    hook = getattr(type(value), '__windsock_json__', None)
    if hook is not None:
        return hook(value)
    if isinstance(value, dict):
        return {_key(k): to_json(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, _depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v, _depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, datetime.timedelta):
        return timedelta_json(value)
    if isinstance(value, datetime.datetime):
        return datetime_json(value)
    if isinstance(value, datetime.date):
        return {'__type': 'datetime', 'value': value.isoformat() + 'T00:00:00', 'tz': None}
    if isinstance(value, (datetime.time,)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_json(value.value, _depth + 1)
    if isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinFunctionType)):
        from windsock._callable import callable_json
        return callable_json(value)
    return str(value)


def _key(key):
    if isinstance(key, str):
        return key.value if isinstance(key, enum.Enum) else key
    if isinstance(key, bool):
        return 'true' if key else 'false'
    if key is None:
        return 'null'
    return str(key)


def timedelta_json(td):
    seconds = td.total_seconds()
    return {'__type': 'timedelta', 'seconds': int(seconds) if seconds.is_integer() else seconds}


def datetime_json(dt):
    tz = dt.tzinfo
    if tz is None:
        return {'__type': 'datetime', 'value': dt.isoformat(), 'tz': None}
    name = zone_name(tz, dt)
    if dt.utcoffset() is None:
        return {'__type': 'datetime', 'value': dt.replace(tzinfo=None).isoformat(), 'tz': name}
    return {'__type': 'datetime', 'value': dt.isoformat(), 'tz': name}


def zone_name(tz, dt=None):
    """IANA name when the tzinfo has one, 'UTC', or the fixed offset as '+02:00'."""
    name = getattr(tz, 'windsock_name', None) or getattr(tz, 'key', None)
    if name:
        return name
    if tz is datetime.timezone.utc:
        return 'UTC'
    offset = tz.utcoffset(dt)
    if offset is None:
        return str(tz)
    if offset == datetime.timedelta(0):
        return 'UTC'
    total = int(offset.total_seconds())
    sign = '+' if total >= 0 else '-'
    total = abs(total)
    return f'{sign}{total // 3600:02d}:{total % 3600 // 60:02d}'
