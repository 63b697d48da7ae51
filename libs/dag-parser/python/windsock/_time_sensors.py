"""The sensors whose poke Airflow ships: TimeDeltaSensor(+Async), DateTimeSensor(+Async), TimeSensor(+Async) and
FileSensor (airflow/sensors/{time_delta,date_time,time_sensor,filesystem}.py in Airflow 2.10).

Each records its own arguments and, as its python_callable, a self-contained poke function below with op_kwargs,
so the runner pokes it like any sensor, in whatever interpreter runs the task. Windsock has no triggerer: the
Async variants run in reschedule mode, their poke naming the moment they wait for, so the next try starts then.
"""
import datetime

from windsock._exceptions import AirflowException
from windsock._sensors import BaseSensorOperator

# A poke returning {WAIT_UNTIL: iso} is not done and asks to be poked again at that moment (runner.py).
WAIT_UNTIL = '__windsock_wait_until'


def time_delta_poke(delta_seconds, wait, data_interval_end=None, logical_date=None):
    import datetime
    end = data_interval_end or logical_date
    if not end:
        raise ValueError('TimeDeltaSensor needs a run with a data interval or a logical date')
    target = datetime.datetime.fromisoformat(end) + datetime.timedelta(seconds=delta_seconds)
    print(f'Checking if the time ({target.isoformat()}) has come', flush=True)
    if datetime.datetime.now(datetime.timezone.utc) > target:
        return True
    return {'__windsock_wait_until': target.isoformat()} if wait else False


def date_time_poke(target_time, wait):
    import datetime
    target = datetime.datetime.fromisoformat(str(target_time).replace('Z', '+00:00'))
    if target.tzinfo is None:
        target = target.replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    print(f'Checking if current time {now.isoformat()} is greater than target time {target.isoformat()}', flush=True)
    if now > target:
        return True
    return {'__windsock_wait_until': target.isoformat()} if wait else False


def time_poke(target_time, wait, utc_offset_seconds=0):
    import datetime
    tz = datetime.timezone(datetime.timedelta(seconds=utc_offset_seconds))
    now = datetime.datetime.now(tz)
    target = datetime.time.fromisoformat(target_time)
    print(f'Checking if the time ({target.isoformat()}) has come', flush=True)
    if now.time().replace(tzinfo=None) > target:
        return True
    if not wait:
        return False
    return {'__windsock_wait_until': datetime.datetime.combine(now.date(), target, tzinfo=tz).isoformat()}


def file_poke(filepath, base_path='', recursive=False):
    import glob
    import os
    full_path = os.path.join(base_path or '', filepath)
    print(f'Poking for file {full_path}', flush=True)
    for path in glob.glob(full_path, recursive=recursive):
        if os.path.isfile(path):
            print(f'Found File {path}', flush=True)
            return True
        for _, _, files in os.walk(path):
            if files:
                return True
    return False


def _seconds(delta):
    if isinstance(delta, datetime.timedelta):
        return delta.total_seconds()
    raise AirflowException(f'delta must be a datetime.timedelta, not {type(delta).__name__}')


class _PokeSensor(BaseSensorOperator):
    _async = False

    def __init__(self, *, _poke, _op_kwargs, **kwargs):
        if self._async:
            kwargs.setdefault('mode', 'reschedule')
        super().__init__(python_callable=_poke, op_kwargs=_op_kwargs, **kwargs)


class TimeDeltaSensor(_PokeSensor):
    _windsock_path = 'airflow.sensors.time_delta.TimeDeltaSensor'

    def __init__(self, *, delta, **kwargs):
        super().__init__(_poke=time_delta_poke, _op_kwargs={'delta_seconds': _seconds(delta), 'wait': self._async},
                         delta=delta, **kwargs)


class TimeDeltaSensorAsync(TimeDeltaSensor):
    _windsock_path = 'airflow.sensors.time_delta.TimeDeltaSensorAsync'
    _async = True


class DateTimeSensor(_PokeSensor):
    _windsock_path = 'airflow.sensors.date_time.DateTimeSensor'
    template_fields = ('target_time',)

    def __init__(self, *, target_time, **kwargs):
        if isinstance(target_time, datetime.datetime):
            target_time = target_time.isoformat()
        elif not isinstance(target_time, str):
            raise TypeError(f'Expected str or datetime.datetime type for target_time. Got {type(target_time)}')
        super().__init__(_poke=date_time_poke, _op_kwargs={'target_time': target_time, 'wait': self._async},
                         target_time=target_time, **kwargs)


class DateTimeSensorAsync(DateTimeSensor):
    _windsock_path = 'airflow.sensors.date_time.DateTimeSensorAsync'
    _async = True


class TimeSensor(_PokeSensor):
    _windsock_path = 'airflow.sensors.time_sensor.TimeSensor'

    def __init__(self, *, target_time, **kwargs):
        if not isinstance(target_time, datetime.time):
            raise TypeError(f'target_time must be a datetime.time, not {type(target_time).__name__}')
        super().__init__(_poke=time_poke, _op_kwargs={'target_time': target_time.replace(tzinfo=None).isoformat(), 'wait': self._async},
                         target_time=target_time.isoformat(), **kwargs)


class TimeSensorAsync(TimeSensor):
    _windsock_path = 'airflow.sensors.time_sensor.TimeSensorAsync'
    _async = True


class FileSensor(_PokeSensor):
    """fs_conn_id's extra `path` is the base of filepath; the worker reads the connection (sensors.ts)."""
    _windsock_path = 'airflow.sensors.filesystem.FileSensor'
    template_fields = ('filepath',)

    def __init__(self, *, filepath, fs_conn_id='fs_default', recursive=False, **kwargs):
        if kwargs.get('deferrable'):
            kwargs.setdefault('mode', 'reschedule')
        super().__init__(_poke=file_poke, _op_kwargs={'filepath': filepath, 'recursive': recursive},
                         filepath=filepath, fs_conn_id=fs_conn_id, recursive=recursive, **kwargs)


def bash_poke(bash_command, env=None, output_encoding='utf-8', retry_exit_code=None, cwd=None):
    import os
    import subprocess

    class AirflowFailException(Exception):
        pass

    full_env = {**os.environ, **env} if env else None
    print(f'Running command: {bash_command}', flush=True)
    resp = subprocess.run(['bash', '-c', bash_command], env=full_env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    for line in resp.stdout.decode(output_encoding, errors='replace').splitlines():
        print(line, flush=True)
    print(f'Command exited with return code {resp.returncode}', flush=True)
    if retry_exit_code is not None:
        if resp.returncode == retry_exit_code:
            print('Return code matches retry code, will retry later', flush=True)
            return False
        raise AirflowFailException(f'Command exited with return code {resp.returncode}')
    return not resp.returncode


def week_day_poke(week_days, use_task_logical_date, logical_date=None):
    import datetime
    if use_task_logical_date:
        day = datetime.datetime.fromisoformat(logical_date).isoweekday()
    else:
        day = datetime.datetime.now(datetime.timezone.utc).isoweekday()
    print(f'Poking until weekday is in {week_days}, Today is {day}', flush=True)
    return day in week_days


class BashSensor(_PokeSensor):
    _windsock_path = 'airflow.sensors.bash.BashSensor'
    template_fields = ('bash_command', 'env', 'cwd')

    def __init__(self, *, bash_command, env=None, output_encoding='utf-8', retry_exit_code=None, cwd=None, **kwargs):
        super().__init__(_poke=bash_poke, _op_kwargs={'bash_command': bash_command, 'env': env, 'output_encoding': output_encoding,
                                                     'retry_exit_code': retry_exit_code, 'cwd': cwd},
                         bash_command=bash_command, **kwargs)


class DayOfWeekSensor(_PokeSensor):
    _windsock_path = 'airflow.sensors.weekday.DayOfWeekSensor'

    def __init__(self, *, week_day, use_task_logical_date=False, use_task_execution_day=None, **kwargs):
        from airflow.utils.weekday import WeekDay
        days = sorted(int(d) for d in WeekDay.validate_week_day(week_day))
        if use_task_execution_day is not None:
            use_task_logical_date = use_task_execution_day
        super().__init__(_poke=week_day_poke, _op_kwargs={'week_days': days, 'use_task_logical_date': use_task_logical_date},
                         week_day=days, use_task_logical_date=use_task_logical_date, **kwargs)
