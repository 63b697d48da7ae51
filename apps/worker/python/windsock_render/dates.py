"""The date-times of the template context: pendulum's DateTime as far as templates commonly use it.

Airflow's context holds pendulum DateTimes (logical_date, data_interval_start, ...). Pendulum is not available in
the renderer, so this subclass of datetime gives what templates use most: printing as ISO 8601 with a `T` (pendulum
2's str()), add / subtract (calendar-aware months and years), start_of / end_of, and pendulum's string helpers.
"""
import calendar
import datetime as _dt

UTC = _dt.timezone.utc


class DateTime(_dt.datetime):
    def __str__(self):
        return self.isoformat('T')

    def _shift(self, sign, years=0, months=0, weeks=0, days=0, hours=0, minutes=0, seconds=0, microseconds=0):
        total_months = self.month - 1 + sign * (years * 12 + months)
        year, month = self.year + total_months // 12, total_months % 12 + 1
        day = min(self.day, calendar.monthrange(year, month)[1])
        moved = self.replace(year=year, month=month, day=day)
        return moved + sign * _dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds,
                                            microseconds=microseconds)

    def add(self, **units):
        return self._shift(1, **units)

    def subtract(self, **units):
        return self._shift(-1, **units)

    def start_of(self, unit):
        return _truncate(self, unit)

    def end_of(self, unit):
        start = _truncate(self, unit)
        nxt = {'year': lambda: start.add(years=1), 'month': lambda: start.add(months=1),
               'day': lambda: start.add(days=1), 'hour': lambda: start.add(hours=1),
               'minute': lambda: start.add(minutes=1), 'second': lambda: start.add(seconds=1)}[unit]()
        return nxt - _dt.timedelta(microseconds=1)

    def to_date_string(self):
        return self.strftime('%Y-%m-%d')

    def to_datetime_string(self):
        return self.strftime('%Y-%m-%d %H:%M:%S')

    def to_iso8601_string(self):
        text = self.isoformat('T')
        return text[:-6] + 'Z' if text.endswith('+00:00') else text

    def in_timezone(self, name):
        if name not in ('UTC', 'utc', 'Etc/UTC'):
            raise ValueError(f'only UTC is available to templates, not {name!r}')
        return self.astimezone(UTC)

    in_tz = in_timezone

    @property
    def int_timestamp(self):
        return int(self.timestamp())

    @property
    def day_of_week(self):
        return (self.weekday() + 1) % 7  # pendulum: Sunday is 0

    @property
    def day_of_year(self):
        return self.timetuple().tm_yday


def _truncate(d, unit):
    fields = {'year': dict(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
              'month': dict(day=1, hour=0, minute=0, second=0, microsecond=0),
              'day': dict(hour=0, minute=0, second=0, microsecond=0),
              'hour': dict(minute=0, second=0, microsecond=0),
              'minute': dict(second=0, microsecond=0),
              'second': dict(microsecond=0)}
    if unit not in fields:
        raise ValueError(f'unknown unit {unit!r}: one of {", ".join(fields)}')
    return d.replace(**fields[unit])


def parse(text):
    """A DateTime from the context's ISO 8601 text (`2024-01-01T00:00:00+00:00`); None stays None."""
    if text is None:
        return None
    d = _dt.datetime.fromisoformat(text)
    if d.tzinfo is None:
        d = d.replace(tzinfo=UTC)
    return DateTime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, tzinfo=d.tzinfo)
