"""An audit hook (PEP 578) installed once the renderer has imported all it needs: the second wall under Jinja's
sandbox. A template that escaped the sandbox still cannot import a module (`js`, `pyodide_js`, `os`, ...), start
a process, open a socket or a file, or list the interpreter's objects. It cannot be removed from Python.
"""
import sys

_REFUSED = ('import', 'open', 'os.system', 'os.exec', 'os.fork', 'os.forkpty', 'os.posix_spawn', 'os.spawn',
            'os.kill', 'os.killpg', 'subprocess.Popen', 'pty.spawn', 'socket.', 'urllib.Request',
            'http.client.connect', 'ctypes.', 'gc.get_objects', 'gc.get_referrers', 'gc.get_referents',
            'sys._getframe', 'sys.settrace', 'sys.setprofile', 'object.__setattr__', 'os.remove', 'os.rename',
            'os.mkdir', 'os.rmdir', 'os.chmod', 'os.listdir', 'os.scandir', 'os.putenv', 'os.unsetenv', 'shutil.',
            'marshal.load', 'function.__new__', 'sys.addaudithook')

# Modules the renderer may still import lazily while rendering (stdlib helpers used by Jinja's filters).
_LAZY_IMPORTS = frozenset(['unicodedata', 'textwrap', 'pprint', '_strptime', 'calendar', 'locale', 'encodings',
                           'random', 'hashlib', 'uuid', '_json', 'json', 'json.decoder', 'json.encoder', 'json.scanner',
                           'jinja2.async_utils', 'markupsafe._native'])


class RefusedByTemplateSandbox(RuntimeError):
    pass


def install():
    def hook(event, args):
        if not event.startswith(_REFUSED):
            return
        if event == 'import' and args and args[0] in sys.modules:
            return  # already loaded: importing it again runs nothing
        if event == 'import' and args and args[0] in _LAZY_IMPORTS:
            return
        if event == 'open' and args and isinstance(args[0], str) and args[0].startswith('/lib/') and \
                (len(args) < 2 or args[1] in (None, 'r', 'rb')):
            return  # the standard library, read-only
        what = f' {args[0]}' if event in ('import', 'open') and args and isinstance(args[0], str) else ''
        raise RefusedByTemplateSandbox(f'templates cannot do this: {event}{what}')

    sys.addaudithook(hook)
