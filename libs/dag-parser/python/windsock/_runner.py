"""Parses DAG files: the entry points the parser process (src/python/pool.ts, libs/pysandbox) calls.

    bootstrap(config_json)   once per interpreter: preload the shim, install aliases and sandbox
    parse_file(rel_path, text, variables_json) -> JSON text of parse_file_result's dict
    parse_file_result(rel_path, text, variables_json) ->
        {"ok": true, "dags": [DagDeclaration, ...]}
        {"ok": false, "error": {"kind", "type", "message", "line", "traceback", "module"?}}

In the parser, each file also runs in a clean interpreter: the sandbox process restores the
interpreter's whole memory after every file (libs/pysandbox), so nothing a file changes, even in
the standard library or the shim, reaches the next one. Independently of that, each file runs as a
fresh module; afterwards the modules it imported from the DAG folder, the line
cache, sys.path, sys.meta_path, builtins, the environment, the working directory, /tmp and the
recorded state are reset, so files cannot see each other. (A file that monkeypatches a module of
the standard library or of the shim is not undone.)
The shim and the standard library stay loaded: that is what keeps a warm parse in milliseconds.
Pure Python, no Pyodide API: native CPython can run it too (the benchmark's floor).
"""
import builtins
import hashlib
import importlib
import json
import linecache
import os
import shutil
import sys
import traceback
import types
import warnings

from windsock import _state
from windsock._dag import collect_dags
from windsock._errors import Refused, RefusedImport
from windsock._state import STATE
from windsock._variables import set_snapshot

_SHIM_PACKAGES = ('airflow', 'kubernetes', 'pendulum', 'windsock')
_baseline = {}


def bootstrap(config_json):
    """config: {"dag_folder", "shim_root", "operator_aliases": {alias: target}, "sandbox": bool,
    "readable_roots": [...]}"""
    config = json.loads(config_json)
    shim_root = config['shim_root']
    _state.DAG_FOLDER = config['dag_folder'].rstrip('/')
    sys.dont_write_bytecode = True
    if shim_root not in sys.path:
        sys.path.insert(0, shim_root)
    _preload(shim_root)
    from windsock import _aliases
    _aliases.install(config.get('operator_aliases') or {})
    # Airflow appends the DAG folder to sys.path: installed packages (here, the shim) win.
    sys.path.append(_state.DAG_FOLDER)
    if config.get('sandbox', True):
        from windsock import _sandbox
        _sandbox.install(_state.DAG_FOLDER, [shim_root, *config.get('readable_roots', [])])
    os.chdir(_state.DAG_FOLDER)
    # Only in Pyodide is /tmp an in-memory folder of this interpreter's own.
    private_tmp = sys.platform == 'emscripten' and os.path.isdir('/tmp')
    _baseline.update(shim_root=shim_root, private_tmp=private_tmp, path=list(sys.path),
                     meta_path=list(sys.meta_path), path_hooks=list(sys.path_hooks),
                     environ=dict(os.environ), builtins=dict(builtins.__dict__),
                     recursion_limit=sys.getrecursionlimit(), warning_filters=list(warnings.filters))


def _preload(shim_root):
    """Import every shim module now, so a DAG file's imports are dictionary look-ups."""
    for package in _SHIM_PACKAGES:
        base = os.path.join(shim_root, package)
        for folder, dirs, files in os.walk(base):
            dirs.sort()
            rel = os.path.relpath(folder, shim_root).replace(os.sep, '.')
            for name in sorted(files):
                if name.endswith('.py'):
                    importlib.import_module(rel if name == '__init__.py' else f'{rel}.{name[:-3]}')


def parse_file(rel_path, text, variables_json=None):
    return json.dumps(parse_file_result(rel_path, text, variables_json), separators=(',', ':'))


def parse_file_result(rel_path, text, variables_json=None):
    if variables_json is not None:
        set_snapshot(json.loads(variables_json))
    path = f'{_state.DAG_FOLDER}/{rel_path}'
    module_name = _module_name(path)
    STATE.reset(path)
    module = types.ModuleType(module_name)
    module.__file__ = path
    linecache.cache[path] = (len(text), None, text.splitlines(True), path)
    sys.modules[module_name] = module
    try:
        code = compile(text, path, 'exec', dont_inherit=True)
        exec(code, module.__dict__)
        out = {'ok': True, 'dags': [d._declaration(rel_path) for d in collect_dags(module.__dict__)]}
    except BaseException as exc:  # noqa: B036 - KeyboardInterrupt is the time limit, SystemExit a sys.exit()
        out = {'ok': False, 'error': describe(exc, path)}
    finally:
        _reset(module_name)
    return out


def _module_name(path):
    """Airflow's name for a DAG file's module, so it never collides with a real module."""
    digest = hashlib.sha1(path.encode()).hexdigest()
    stem = os.path.splitext(os.path.basename(path))[0]
    return f'unusual_prefix_{digest}_{stem}'


def _reset(module_name):
    prefix = _state.DAG_FOLDER + '/'
    for name, mod in list(sys.modules.items()):
        file = getattr(mod, '__file__', None)
        if name == module_name or (isinstance(file, str) and file.startswith(prefix)):
            del sys.modules[name]
    for key in [k for k in linecache.cache if k.startswith(prefix)]:
        del linecache.cache[key]
    for key in [k for k in sys.path_importer_cache if k.startswith(_state.DAG_FOLDER)]:
        del sys.path_importer_cache[key]  # its directory listing may be stale by the next file
    sys.path[:] = _baseline['path']
    sys.meta_path[:] = _baseline['meta_path']
    sys.path_hooks[:] = _baseline['path_hooks']
    if builtins.__dict__ != _baseline['builtins']:  # builtins.x = ... would reach every later file
        builtins.__dict__.clear()
        builtins.__dict__.update(_baseline['builtins'])
    sys.setrecursionlimit(_baseline['recursion_limit'])
    sys.settrace(None)
    sys.setprofile(None)
    warnings.filters[:] = _baseline['warning_filters']
    if os.environ != _baseline['environ']:
        os.environ.clear()
        os.environ.update(_baseline['environ'])
    if os.getcwd() != _state.DAG_FOLDER:
        os.chdir(_state.DAG_FOLDER)
    if _baseline.get('private_tmp'):
        _empty_tmp()
    STATE.reset('')


def _empty_tmp():
    """/tmp of the Pyodide sandbox is in-memory and private to the interpreter: what one file left
    there must not be seen by the next. Never called outside Pyodide, where /tmp is the host's."""
    for entry in os.listdir('/tmp'):
        target = os.path.join('/tmp', entry)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        else:
            os.remove(target)


# -- import errors ---------------------------------------------------------------------------------

_MESSAGE_MAX = 10_000


def _exc_text(exc):
    """str(exc), bounded, and never raising (a file's exception may define __str__)."""
    try:
        text = str(exc)
    except BaseException:  # noqa: B036
        return '<the exception could not be printed>'
    if len(text) > _MESSAGE_MAX:
        text = f'{text[:_MESSAGE_MAX]}... (truncated: {len(text) - _MESSAGE_MAX} more characters)'
    return text


def describe(exc, path):
    kind, module, hint = _classify(exc)
    text = _exc_text(exc)
    message = f'{type(exc).__name__}: {text}' if text else type(exc).__name__
    if hint:
        message = f'{message}. {hint}'
    return {
        'kind': kind,
        'type': type(exc).__name__,
        'message': message,
        'line': _line(exc, path),
        'traceback': _traceback(exc),
        'module': module,
    }


def _classify(exc):
    if isinstance(exc, KeyboardInterrupt):
        return 'interrupted', None, None
    if isinstance(exc, SystemExit):
        return 'exit', None, None
    if isinstance(exc, SyntaxError):
        return 'syntax', None, None
    if isinstance(exc, (Refused, RefusedImport)):
        return 'refused', getattr(exc, 'name', None), None
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.partition('.')[0]
        if top in _SHIM_PACKAGES:
            return 'unsupported_module', exc.name, (
                f"Windsock's Airflow shim does not provide '{exc.name}': it provides the modules of the "
                'DAG, BashOperator, EmptyOperator, PythonOperator, the branching and skipping operators '
                '(BranchPythonOperator, ShortCircuitOperator, BranchDateTimeOperator, BranchDayOfWeekOperator, '
                'LatestOnlyOperator), KubernetesPodOperator, SparkKubernetesOperator, '
                'TaskFlow, TaskGroup, Variable and Param APIs, kubernetes.client.models, pendulum and '
                'windsock.operators')
        return 'missing_module', exc.name, (
            f"'{top}' is not available while DAG files are parsed (only the Python standard library, "
            f"the airflow shim and the modules of the DAG folder are): move `import {top}` inside the "
            "task's callable, as Airflow's best practices recommend for heavy imports")
    return 'exception', None, None


def _line(exc, path):
    if isinstance(exc, SyntaxError) and exc.filename == path and exc.lineno:
        return exc.lineno
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError) and exc.lineno and not exc.filename:
        return exc.lineno
    return line


def _traceback(exc):
    tb = exc.__traceback__
    # Drop parse_file's own frame: the traceback starts in the DAG file.
    if tb is not None and tb.tb_frame.f_code is parse_file_result.__code__:
        tb = tb.tb_next
    try:
        if len(str(exc)) > _MESSAGE_MAX:
            raise ValueError('too long to format whole')
        text = ''.join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:  # noqa: B036 - a huge or unprintable message: the frames, then a bounded message
        text = 'Traceback (most recent call last):\n' + ''.join(traceback.format_tb(tb))
        text += f'{type(exc).__name__}: {_exc_text(exc)}\n'
    shim_root = _baseline.get('shim_root')
    text = text.replace(f'"{_state.DAG_FOLDER}/', '"')
    if shim_root:
        text = text.replace(f'"{shim_root}/', '"<windsock shim>/')
    return text
