"""The Python side of the parse sandbox: an audit hook (PEP 578) that refuses what a DAG file must
not do while it is parsed, each refusal naming what was refused and why.

  - network: creating or connecting sockets, name lookups, urllib/http.client requests;
  - processes: os.system, os.exec*, os.fork, os.spawn*, os.posix_spawn, subprocess, os.kill;
  - host files: opening anything outside the DAG folder, the Python library and /tmp, and writing
    anywhere but /tmp (the DAG folder is read-only);
  - the JavaScript host: importing js, pyodide, pyodide_js, _pyodide*, micropip; ctypes;
  - interpreter introspection that would reach the host objects (gc.get_objects, ...).

An audit hook cannot be removed by Python code, and it sees operations however they are reached
(a stdlib module, a helper in the DAG folder); importlib's own finders are guarded too. It is the
first wall, not the only one: the JavaScript side shuts the same doors one level down
(libs/pysandbox/src/lockdown.ts), and the interpreter runs in a child process with an empty
environment under Node's permission model, so a file that breaks out of Python finds an empty room.
"""
import os
import sys

from windsock._errors import Refused, RefusedImport

_NETWORK = 'a DAG file cannot use the network while it is parsed; do network calls inside the task'
_PROCESS = 'a DAG file cannot start or signal processes while it is parsed; do that inside the task'
_JS_HOST = 'DAG files cannot reach the JavaScript host of the parser'
_CTYPES = 'ctypes reaches memory outside the Python interpreter'
_INTROSPECTION = 'inspecting every object of the interpreter is not allowed while parsing'

_REFUSED_IMPORTS = {
    'js': _JS_HOST, 'pyodide': _JS_HOST, 'pyodide_js': _JS_HOST, '_pyodide': _JS_HOST,
    '_pyodide_core': _JS_HOST, 'micropip': _JS_HOST,
    'ctypes': _CTYPES, '_ctypes': _CTYPES,
    'urllib.request': _NETWORK, 'http.client': _NETWORK, 'http.server': _NETWORK, 'ftplib': _NETWORK,
    'smtplib': _NETWORK, 'poplib': _NETWORK, 'imaplib': _NETWORK, 'telnetlib': _NETWORK,
    'xmlrpc.client': _NETWORK, 'xmlrpc.server': _NETWORK, 'socketserver': _NETWORK,
    'multiprocessing': _PROCESS, 'concurrent.futures.process': _PROCESS,
}

_PROCESS_EVENTS = {
    'os.system': 'os.system()', 'os.exec': 'os.exec*()', 'os.fork': 'os.fork()', 'os.forkpty': 'os.forkpty()',
    'os.posix_spawn': 'os.posix_spawn()', 'os.spawn': 'os.spawn*()', 'os.kill': 'os.kill()',
    'os.killpg': 'os.killpg()', 'os.startfile': 'os.startfile()', 'subprocess.Popen': 'starting a process',
    'pty.spawn': 'pty.spawn()', 'os.pidfd_open': 'os.pidfd_open()',
}
_NETWORK_EVENTS = {
    'socket.__new__': 'opening a socket', 'socket.connect': 'connecting a socket', 'socket.bind': 'binding a socket',
    'socket.sendto': 'sending on a socket', 'socket.sendmsg': 'sending on a socket',
    'socket.getaddrinfo': 'a DNS lookup', 'socket.gethostbyname': 'a DNS lookup',
    'socket.gethostbyname_ex': 'a DNS lookup', 'socket.gethostbyaddr': 'a DNS lookup',
    'socket.getnameinfo': 'a DNS lookup', 'urllib.Request': 'an HTTP request', 'http.client.connect': 'an HTTP request',
}
_INTROSPECTION_EVENTS = ('gc.get_objects', 'gc.get_referrers', 'gc.get_referents')
_PATH_WRITE_EVENTS = ('os.remove', 'os.rename', 'os.rmdir', 'os.mkdir', 'os.chmod', 'os.chown', 'os.symlink',
                      'os.link', 'os.truncate', 'os.utime', 'shutil.rmtree', 'shutil.move', 'shutil.copyfile')
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

_installed = False


def install(dag_folder, readable_roots):
    """Adds the audit hook (once per interpreter). `readable_roots`: folders besides the DAG folder
    and /tmp that files may be read from (the Python library, the shim)."""
    global _installed
    if _installed:
        return
    _installed = True
    dag_prefix = dag_folder.rstrip('/') + '/'
    read_prefixes = tuple(r.rstrip('/') + '/' for r in (*readable_roots, '/tmp', '/dev')) + (dag_prefix,)
    read_exact = frozenset((dag_folder.rstrip('/'), '/tmp', '/dev/null', '/dev/urandom', '/dev/random'))
    write_prefixes = ('/tmp/',)
    write_exact = frozenset(('/tmp', '/dev/null'))
    refused_imports = dict(_REFUSED_IMPORTS)
    getcwd, fsdecode, normpath = os.getcwd, os.fsdecode, os.path.normpath

    def resolve(path):
        path = fsdecode(path)
        return normpath(path if path.startswith('/') else getcwd() + '/' + path)

    def check_read(path):
        if path in read_exact or path.startswith(read_prefixes):
            return
        raise Refused(f"reading '{path}'", 'a DAG file may read only the files of the DAG folder')

    def check_write(path):
        if path in write_exact or path.startswith(write_prefixes):
            return
        if path.startswith(dag_prefix) or path == dag_prefix[:-1]:
            raise Refused(f"writing '{path}'", 'the DAG folder is read-only while DAG files are parsed')
        raise Refused(f"writing '{path}'", 'a DAG file may write only under /tmp while it is parsed')

    def on_open(args):
        path, mode, flags = args
        if path is None or isinstance(path, int):
            return
        path = resolve(path)
        writing = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
            isinstance(mode, str) and any(c in mode for c in 'wax+'))
        if writing:
            check_write(path)
        else:
            check_read(path)

    def on_import(args):
        module = args[0]
        why = refused_imports.get(module) or refused_imports.get(module.partition('.')[0])
        if why is not None:
            raise RefusedImport(module, why)

    def hook(event, args):
        if event == 'open':
            on_open(args)
        elif event == 'import':
            on_import(args)
        elif event in _NETWORK_EVENTS:
            raise Refused(_NETWORK_EVENTS[event], _NETWORK)
        elif event in _PROCESS_EVENTS:
            raise Refused(_PROCESS_EVENTS[event], _PROCESS)
        elif event in _PATH_WRITE_EVENTS:
            for arg in args[:2]:
                if isinstance(arg, (str, bytes, os.PathLike)):
                    check_write(resolve(arg))
        elif event in _INTROSPECTION_EVENTS:
            raise Refused(f'{event}()', _INTROSPECTION)
        elif event.startswith('ctypes.'):
            raise Refused(event, _CTYPES)

    sys.addaudithook(hook)
    _shut_unaudited()
    _forget_host_modules()
    _guard_meta_path(refused_imports)


class _HostModuleGuard:
    """First on sys.meta_path. The 'import' audit event fires only for the import statement and
    __import__; importlib.import_module() and importlib.util.find_spec() go straight to the finders.
    This finder refuses the same modules there. Pyodide's JsFinder (which serves `js` and
    `pyodide_js` from JavaScript objects) is taken off sys.meta_path altogether."""

    def __init__(self, refused):
        self._refused = refused

    def find_spec(self, name, path=None, target=None):
        why = self._refused.get(name) or self._refused.get(name.partition('.')[0])
        if why is not None:
            raise RefusedImport(name, why)
        return None

    def find_module(self, name, path=None):
        return self.find_spec(name, path)

    def invalidate_caches(self):
        pass


def _guard_meta_path(refused):
    kept = [f for f in sys.meta_path if type(f).__name__ != 'JsFinder' and not isinstance(f, _HostModuleGuard)]
    sys.meta_path[:] = [_HostModuleGuard(refused), *kept]


def _shut_unaudited():
    """Doors the audit hook does not see: os._exit and os.abort end the interpreter (and would
    wreck the parser) without an audit event, and Pyodide's subprocess fails before its
    'subprocess.Popen' event with a message that does not say a process was refused."""
    def refuse_exit(*args, **kwargs):
        raise Refused('os._exit()/os.abort()', 'a DAG file cannot end the parser; raise an exception instead')

    def refuse_popen(self, *args, **kwargs):
        raise Refused('starting a process (subprocess)', _PROCESS)

    import posix
    import subprocess
    for module in (os, posix):
        for name in ('_exit', 'abort'):
            if hasattr(module, name):
                setattr(module, name, refuse_exit)
    subprocess.Popen.__init__ = refuse_popen


def _forget_host_modules():
    """Drop the already-imported modules the hook refuses, so importing them goes through the hook."""
    for name in list(sys.modules):
        top = name.partition('.')[0]
        if name in _REFUSED_IMPORTS or top in ('js', 'pyodide', 'pyodide_js', '_pyodide', '_pyodide_core',
                                               'micropip', 'ctypes', '_ctypes'):
            del sys.modules[name]
