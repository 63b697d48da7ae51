"""The template context of one try, from the worker's JSON: Airflow's keys with Airflow's types where templates
can tell (DateTime for dates; DagRun, DAG, task and TaskInstance objects that print as Airflow prints them; the
var / conn accessors; macros), plain Python values (dicts, lists, None, True) for the rest.
"""
import datetime as _dt
import json as _json
import random as _random
import time as _time
import uuid as _uuid
from urllib.parse import quote, urlencode

from windsock_render.dates import DateTime, parse
from windsock_render.store import MISSING, PENDING, Pending

DATE_KEYS = ('logical_date', 'execution_date', 'prev_execution_date', 'next_execution_date', 'data_interval_start',
             'data_interval_end', 'prev_data_interval_start_success', 'prev_data_interval_end_success',
             'prev_start_date_success', 'prev_end_date_success')
RUN_DATE_KEYS = ('logical_date', 'execution_date', 'data_interval_start', 'data_interval_end', 'start_date')
NOTSET = object()


class AirflowNotFoundException(Exception):
    pass


AirflowNotFoundException.__module__ = 'airflow.exceptions'  # as Airflow's log line names it


class Record:
    """Read-only attributes over a dict, printed as `label`. Its own state is name-mangled, which the sandbox
    refuses to read."""
    __slots__ = ('__fields', '__label')

    def __init__(self, fields, label):
        self.__fields = fields
        self.__label = label

    def __getattr__(self, name):
        try:
            return self.__fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self):
        return self.__label

    __repr__ = __str__


def _namespace(label, **members):
    return Record(members, label)


def ds_add(ds, days):
    if not days:
        return str(ds)
    return (_dt.datetime.strptime(str(ds), '%Y-%m-%d') + _dt.timedelta(days=days)).strftime('%Y-%m-%d')


def ds_format(ds, input_format, output_format):
    return _dt.datetime.strptime(str(ds), input_format).strftime(output_format)


MACROS = _namespace(
    "<module 'airflow.macros'>",
    ds_add=ds_add, ds_format=ds_format, datetime=_dt.datetime, timedelta=_dt.timedelta, random=_random.random,
    json=_namespace("<module 'json'>", loads=_json.loads, dumps=_json.dumps),
    time=_namespace("<module 'time'>", time=_time.time, strftime=_time.strftime, gmtime=_time.gmtime),
    uuid=_namespace("<module 'uuid'>", uuid4=_uuid.uuid4, uuid1=_uuid.uuid1, UUID=_uuid.UUID),
)


class VariableAccessor:
    """`var.value` / `var.json`: Airflow's accessors, reading Variable.get(key) on attribute access."""
    __slots__ = ('__store', '__json')

    def __init__(self, store, deserialize_json):
        self.__store = store
        self.__json = deserialize_json

    def __getattr__(self, key):
        return self.get(key)

    def get(self, key, default=NOTSET):
        value = self.__store.variable(key)
        if value is PENDING:
            return value
        if value is MISSING:
            if default is NOTSET:
                raise KeyError(f'Variable {key} does not exist')
            return default
        return _json.loads(value) if self.__json else value

    def __str__(self):
        return ''


class Connection(Record):
    __slots__ = ()

    def get_uri(self):
        uri = f"{str(self.conn_type).lower().replace('_', '-')}://" if self.conn_type else '//'
        auth = ''
        if self.login is not None:
            auth += quote(self.login, safe='')
        if self.password is not None:
            auth += ':' + quote(self.password, safe='')
        if auth:
            uri += auth + '@'
        host = quote(self.host, safe='') if self.host else ''
        if self.port:
            host += f':{self.port}'
        if self.schema:
            host += '/' + quote(self.schema, safe='')
        uri += host
        extra = self.extra_dejson
        if extra and isinstance(extra, dict):
            uri += ('?' if self.schema else '/?') + urlencode(extra)
        return uri

    def get_password(self):
        return self.password

    def get_extra(self):
        return self.extra


class ConnectionAccessor:
    """`conn.<id>`: Airflow's accessor; an unknown id raises AirflowNotFoundException, `conn.get` gives a default."""
    __slots__ = ('__store',)

    def __init__(self, store):
        self.__store = store

    def __getattr__(self, conn_id):
        found = self.get(conn_id, NOTSET)
        if found is NOTSET:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return found

    def get(self, conn_id, default_conn=None):
        value = self.__store.connection(conn_id)
        if value is PENDING:
            return value
        if value is MISSING:
            return default_conn
        return Connection(dict(value), str(value.get('conn_id') or ''))

    def __str__(self):
        return ''


def _task_instance(ti, store):
    own_dag, own_task = ti['dag_id'], ti['task_id']

    def xcom_pull(task_ids=None, dag_id=None, key='return_value', include_prior_dates=False, session=None, *,
                  map_indexes=None, default=None):
        if dag_id is not None and dag_id != own_dag:
            raise ValueError(f'xcom_pull from another DAG ({dag_id}) is not available to templates')
        single = task_ids is None or isinstance(task_ids, str)
        ids = [own_task if task_ids is None else task_ids] if single else list(task_ids)
        values = []
        for task_id in ids:
            value = store.xcom(task_id, key)
            if isinstance(value, Pending):
                return value
            if value is not MISSING:
                values.append(value)
        if single:
            return values[0] if values else default
        return values

    mapped = f" map_index={ti['map_index']}" if ti.get('map_index', -1) >= 0 else ''
    fields = dict(ti, xcom_pull=xcom_pull, state='running')
    return Record(fields, f"<TaskInstance: {own_dag}.{own_task} {ti['run_id']}{mapped} [running]>")


def build(raw, ti, store):
    """The context dict a template renders with, from the worker's JSON `raw`."""
    ctx = dict(raw)
    for key in DATE_KEYS:
        if key in ctx:
            ctx[key] = parse(ctx[key])
    run = dict(ctx.get('dag_run') or {})
    for key in RUN_DATE_KEYS:
        if key in run:
            run[key] = parse(run[key])
    ctx['dag_run'] = Record(run, f"<DagRun {run.get('dag_id')} @ {run.get('logical_date')}: {run.get('run_id')}, "
                                 f"state:running, externally triggered: {run.get('external_trigger')}>")
    dag = ctx.get('dag') or {}
    ctx['dag'] = Record(dag, f"<DAG: {dag.get('dag_id')}>")
    task = ctx.get('task') or {}
    ctx['task'] = Record(task, f"<Task({task.get('operator_name')}): {task.get('task_id')}>")
    ctx['macros'] = MACROS
    ctx['var'] = _namespace('', value=VariableAccessor(store, False), json=VariableAccessor(store, True))
    ctx['conn'] = ConnectionAccessor(store)
    ctx['ti'] = ctx['task_instance'] = _task_instance(ti, store)
    return ctx
