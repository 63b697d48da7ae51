"""airflow.utils.timezone: utc, utcnow, datetime, make_aware (UTC-based, as Airflow's default)."""
import datetime as _dt

import pendulum

utc = pendulum.UTC


def utcnow():
    return pendulum.now('UTC')


def datetime(*args, **kwargs):
    if 'tzinfo' not in kwargs:
        kwargs['tzinfo'] = utc
    return pendulum.DateTime(*args, **kwargs)


def make_aware(value, timezone=None):
    if value.tzinfo is not None:
        return value
    return pendulum.instance(value, timezone or utc)


def is_naive(value):
    return value.utcoffset() is None


def parse(text, timezone=None):
    return pendulum.parse(text, tz=timezone or utc)


def coerce_datetime(value):
    return None if value is None else make_aware(value) if isinstance(value, _dt.datetime) else value
