"""Airflow's built-in timetables and datasets, recorded as {"__type": <import path>, ...arguments}
(timetables) and {"__type": "dataset", "uri"} (Dataset / Asset); the normalizer maps the ones
Windsock schedules."""
from windsock._serialize import to_json


class _Recorded:
    _path = ''

    def __init__(self, *args, **kwargs):
        self._args = dict(zip(self._positional, args))
        self._args.update(kwargs)

    def __windsock_json__(self):
        return {'__type': self._path, **to_json(self._args)}

    def __repr__(self):
        return f'{type(self).__name__}({self._args!r})'


class NullTimetable(_Recorded):
    _path = 'airflow.timetables.simple.NullTimetable'
    _positional = ()


class OnceTimetable(_Recorded):
    _path = 'airflow.timetables.simple.OnceTimetable'
    _positional = ()


class CronDataIntervalTimetable(_Recorded):
    _path = 'airflow.timetables.interval.CronDataIntervalTimetable'
    _positional = ('cron', 'timezone')


class DeltaDataIntervalTimetable(_Recorded):
    _path = 'airflow.timetables.interval.DeltaDataIntervalTimetable'
    _positional = ('delta',)


class CronTriggerTimetable(_Recorded):
    _path = 'airflow.timetables.trigger.CronTriggerTimetable'
    _positional = ('cron',)


class Dataset:
    def __init__(self, uri, extra=None, **kwargs):
        self.uri = uri
        self.extra = extra

    def __windsock_json__(self):
        return {'__type': 'dataset', 'uri': self.uri}

    def __repr__(self):
        return f'Dataset({self.uri!r})'


Asset = Dataset
