"""Renders a try's templated fields as Airflow's BaseOperator.render_template does, one request per try.

Request (JSON): {"fields": {name: value}, "context": {...}, "ti": {...}, "native": bool, "data": {...}}
Reply (JSON), one of:
  {"ok": true, "fields": {name: rendered}}
  {"ok": false, "field": name, "error": "jinja2.exceptions.UndefinedError: 'x' is undefined"}
  {"needs": {"variables": [...], "connections": [...], "xcoms": [[task_id, key], ...]}}   (see store.py)

Strings are templates; lists and dicts are rendered item by item (dict keys are not rendered); anything else is
returned as it is. A field's error stops the render, as in Airflow, which renders fields in order.
"""
import datetime as _dt
import json

import jinja2

from windsock_render import context as _context
from windsock_render.env import NativeTemplateEnvironment, TemplateEnvironment
from windsock_render.store import NotFetched, Pending, Store

MAX_ERROR = 2000
# Rendered fields of one try larger than this (as JSON) fail the try: they would be stored and logged.
MAX_OUTPUT = 16 * 1024 * 1024
_ENVS = {False: TemplateEnvironment(), True: NativeTemplateEnvironment()}
# Compiled templates by (native, source): compiling is most of a render's cost, and a template is a pure
# function of its source, so a DAG's templates compile once per interpreter.
_COMPILED = {}
_COMPILED_MAX = 512


class _FieldError(Exception):
    def __init__(self, field, error):
        super().__init__(error)
        self.field = field


def _compile(env, source):
    key = (env is _ENVS[True], source)
    template = _COMPILED.get(key)
    if template is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        template = _COMPILED[key] = env.from_string(source)
    return template


def _render(env, value, ctx):
    if isinstance(value, str):
        return _compile(env, value).render(ctx)
    if isinstance(value, (list, tuple)):
        return [_render(env, v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: _render(env, v, ctx) for k, v in value.items()}
    return value


def _jsonable(value):
    """Native renders can return any Python value: keep what JSON holds, print the rest as Python would."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


def describe(err):
    """Airflow's log line for a failed render: the exception's qualified name and message."""
    cls = type(err)
    name = cls.__name__ if cls.__module__ == 'builtins' else f'{cls.__module__}.{cls.__name__}'
    text = f'{name}: {err}'
    lineno = getattr(err, 'lineno', None)
    if isinstance(err, jinja2.TemplateSyntaxError) and lineno:
        text += f' (line {lineno})'
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR] + '…'


def render_request(request_json):
    req = json.loads(request_json)
    store = Store(req.get('data'))
    env = _ENVS[bool(req.get('native'))]
    ctx = _context.build(req.get('context') or {}, req['ti'], store)
    out = {}
    failure = None
    for field, value in (req.get('fields') or {}).items():
        try:
            out[field] = _jsonable(_render(env, value, ctx))
        except NotFetched as err:
            return json.dumps({'ok': False, 'field': field, 'error': str(err)})
        except Exception as err:  # the template's own error, whatever it raised, is the task's error
            failure = {'ok': False, 'field': field, 'error': describe(err)}
            break
    # A missing value may have caused the failure (or hidden one): fetch first, then render again.
    if store.pending:
        return json.dumps({'needs': store.needs})
    if failure:
        return json.dumps(failure)
    reply = json.dumps({'ok': True, 'fields': out})
    if len(reply) > MAX_OUTPUT:
        return json.dumps({'ok': False, 'field': None, 'error': f'the rendered fields exceed {MAX_OUTPUT // 1048576} MiB'})
    return reply


def warm_up():
    """Renders what loads every module rendering and its errors use, before the audit hook shuts imports."""
    ti = {'dag_id': 'd', 'task_id': 't', 'run_id': 'r', 'try_number': 1, 'map_index': -1}
    sources = ['{{ x | ds }} {{ y | int }} {{ z | tojson }} {{ z | pprint }} {{ "a b" | wordwrap(1) }} {{ "x" | title }}'
               '{% for i in range(2) %}{{ loop.index }}{% endfor %}{% do z.update({}) %}{{ "%s" | format(1) }}'
               '{{ "{}".format(1) }} {{ macros.ds_add("2024-01-01", 1) }} {{ macros.ds_format("2024", "%Y", "%y") }}',
               '{{ nope }}', '{{ "".__class__ }}', '{% if %}', '{{ 1 / 0 }}', '{{ var.value.x }}']
    for native in (False, True):
        for source in sources:
            render_request(json.dumps({'fields': {'f': source}, 'context': {'x': None, 'y': '1', 'z': {}}, 'ti': ti,
                                       'native': native, 'data': {'variables': {'x': None}}}))
    _COMPILED.clear()


__all__ = ['render_request', 'warm_up', 'Pending']
