"""The part of pendulum DAG files use: datetime(), duration(), timezone(), now/today, parse.

No tz database is available at parse time (Pyodide ships none), so a named zone is carried by name:
its datetimes keep the wall-clock time as written and the zone name, and the normalizer resolves
the offset. UTC and fixed offsets ("+02:00") have their offset here, so arithmetic and comparisons
with them work as usual."""
import calendar
import datetime as _dt
import re

__version__ = '3.0.0'

_UTC_NAMES = frozenset(('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z', 'utc', 'Universal', 'Zulu'))
_OFFSET = re.compile(r'^([+-])(\d{2}):?(\d{2})$')


class Timezone(_dt.tzinfo):
    def __init__(self, name):
        self.name = name
        self.windsock_name = 'UTC' if name in _UTC_NAMES else name
        match = _OFFSET.match(name)
        if name in _UTC_NAMES:
            self._offset = _dt.timedelta(0)
        elif match:
            sign = -1 if match.group(1) == '-' else 1
            self._offset = sign * _dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        else:
            self._offset = None

    def utcoffset(self, dt):
        return self._offset

    def dst(self, dt):
        return _dt.timedelta(0) if self._offset is not None else None

    def tzname(self, dt):
        return self.windsock_name

    def __repr__(self):
        return f"Timezone('{self.name}')"

    def __eq__(self, other):
        return isinstance(other, Timezone) and other.windsock_name == self.windsock_name

    def __hash__(self):
        return hash(self.windsock_name)


FixedTimezone = Timezone
UTC = Timezone('UTC')


def timezone(name):
    if isinstance(name, _dt.tzinfo):
        return name
    if isinstance(name, (int, float)):  # seconds east of UTC
        sign = '+' if name >= 0 else '-'
        minutes = abs(int(name)) // 60
        return Timezone(f'{sign}{minutes // 60:02d}:{minutes % 60:02d}')
    return Timezone(str(name))


def _tz(tz):
    if tz is None:
        return None
    return timezone(tz)


class Duration(_dt.timedelta):
    """pendulum.duration: a timedelta; years count 365 days and months 30, as pendulum's totals do."""

    def __new__(cls, days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0,
                years=0, months=0):
        return super().__new__(cls, days=days + years * 365 + months * 30, seconds=seconds,
                               microseconds=microseconds, milliseconds=milliseconds, minutes=minutes,
                               hours=hours, weeks=weeks)

    def in_seconds(self):
        return int(self.total_seconds())

    def in_minutes(self):
        return int(self.total_seconds() // 60)

    def in_hours(self):
        return int(self.total_seconds() // 3600)

    def in_days(self):
        return self.days


def duration(**kwargs):
    return Duration(**kwargs)


def _shift_months(value, months):
    month0 = value.month - 1 + months
    year = value.year + month0 // 12
    month = month0 % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


class Date(_dt.date):
    def add(self, years=0, months=0, weeks=0, days=0):
        shifted = _shift_months(self, years * 12 + months)
        return Date(shifted.year, shifted.month, shifted.day) + _dt.timedelta(weeks=weeks, days=days)

    def subtract(self, years=0, months=0, weeks=0, days=0):
        return self.add(years=-years, months=-months, weeks=-weeks, days=-days)

    def to_date_string(self):
        return self.isoformat()


class DateTime(_dt.datetime):
    @property
    def timezone(self):
        return self.tzinfo

    tz = timezone

    @property
    def timezone_name(self):
        return getattr(self.tzinfo, 'windsock_name', None)

    def add(self, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0, microseconds=0):
        shifted = _shift_months(self, years * 12 + months)
        return shifted + _dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes,
                                       seconds=seconds, microseconds=microseconds)

    def subtract(self, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0, microseconds=0):
        return self.add(years=-years, months=-months, weeks=-weeks, days=-days, hours=-hours,
                        minutes=-minutes, seconds=-seconds, microseconds=-microseconds)

    def in_timezone(self, tz):
        target = _tz(tz)
        if self.utcoffset() is None or target.utcoffset(None) is None:
            if self.tzinfo == target:
                return self
            raise NotImplementedError(
                f'converting to {target!r} needs the tz database, which DAG files do not have while parsed')
        return self.astimezone(target)

    in_tz = in_timezone

    def start_of(self, unit):
        fields = {'year': dict(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
                  'month': dict(day=1, hour=0, minute=0, second=0, microsecond=0),
                  'day': dict(hour=0, minute=0, second=0, microsecond=0),
                  'hour': dict(minute=0, second=0, microsecond=0),
                  'minute': dict(second=0, microsecond=0),
                  'second': dict(microsecond=0)}
        if unit == 'week':
            return self.start_of('day') - _dt.timedelta(days=self.weekday())
        if unit not in fields:
            raise ValueError(f'start_of: unknown unit {unit!r}')
        return self.replace(**fields[unit])

    def end_of(self, unit):
        if unit == 'month':
            last = calendar.monthrange(self.year, self.month)[1]
            return self.replace(day=last, hour=23, minute=59, second=59, microsecond=999999)
        step = {'day': _dt.timedelta(days=1), 'hour': _dt.timedelta(hours=1),
                'minute': _dt.timedelta(minutes=1), 'week': _dt.timedelta(weeks=1)}
        if unit == 'year':
            return self.replace(month=12, day=31, hour=23, minute=59, second=59, microsecond=999999)
        if unit not in step:
            raise ValueError(f'end_of: unknown unit {unit!r}')
        return self.start_of(unit) + step[unit] - _dt.timedelta(microseconds=1)

    def to_date_string(self):
        return self.date().isoformat()

    def to_datetime_string(self):
        return self.strftime('%Y-%m-%d %H:%M:%S')

    def to_iso8601_string(self):
        return self.isoformat()

    def date(self):
        return Date(self.year, self.month, self.day)

    @property
    def int_timestamp(self):
        return int(self.timestamp())


def _make(value, tz):
    return DateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond, tzinfo=tz)


def datetime(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0, tz=UTC, fold=1):
    return DateTime(year, month, day, hour, minute, second, microsecond, tzinfo=_tz(tz))


def local(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0):
    return datetime(year, month, day, hour, minute, second, microsecond, tz=UTC)


def naive(year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0):
    return DateTime(year, month, day, hour, minute, second, microsecond)


def instance(dt, tz=UTC):
    if isinstance(dt, _dt.datetime):
        return _make(dt, dt.tzinfo if dt.tzinfo is not None else _tz(tz))
    return DateTime(dt.year, dt.month, dt.day, tzinfo=_tz(tz))


def now(tz=UTC):
    """The current time. In a named zone without a known offset this is the UTC wall-clock time
    labelled with that zone (no tz database here)."""
    zone = _tz(tz)
    utc_now = _dt.datetime.now(_dt.timezone.utc)
    offset = zone.utcoffset(None) if zone is not None else _dt.timedelta(0)
    return _make(utc_now + (offset or _dt.timedelta(0)), zone)


def today(tz=UTC):
    return now(tz).start_of('day')


def yesterday(tz=UTC):
    return today(tz) - _dt.timedelta(days=1)


def tomorrow(tz=UTC):
    return today(tz) + _dt.timedelta(days=1)


def from_timestamp(timestamp, tz=UTC):
    value = _dt.datetime.fromtimestamp(timestamp, _dt.timezone.utc)
    return _make(value, UTC).in_timezone(tz) if _tz(tz) != UTC else _make(value, UTC)


def parse(text, tz=UTC, strict=True, **options):
    """ISO 8601 text (what Airflow DAGs pass); a value without an offset is read in `tz`."""
    value = _dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        offset = value.utcoffset()
        zone = UTC if offset == _dt.timedelta(0) else timezone(int(offset.total_seconds()))
        return _make(value, zone)
    return _make(value, _tz(tz))


def date(year, month, day):
    return Date(year, month, day)


Time = _dt.time


def time(hour=0, minute=0, second=0, microsecond=0):
    return _dt.time(hour, minute, second, microsecond)
