"""A Python callable as a declaration records it, for the task runtime to run in a real interpreter:
    {"__type": "callable", "name": "extract", "source": "def extract(...):\n    ...",
     "module_source": <text of the DAG-folder file that defines it>}
`source` is the function's own text, dedented, decorators stripped (so `@task` does not run again).
A lambda's `source` is the lambda expression alone. `module_source` (the text of the DAG-folder
file that defines the function) is there when the function reads names that file defines (its
imports, constants, helpers): the runtime then needs them to run it. A self-contained function,
which imports what it needs inside its body as Airflow recommends, has none.
"""
import ast
import inspect
import linecache
import re
import textwrap
import types

from windsock import _state


def callable_json(fn):
    func = inspect.unwrap(fn) if callable(fn) else fn
    func = getattr(func, '__func__', func)  # bound methods
    name = getattr(func, '__name__', None) or repr(func)
    out = {'__type': 'callable', 'name': name, 'source': _source(func)}
    code = getattr(func, '__code__', None)
    if (code is not None and code.co_filename.startswith(_state.DAG_FOLDER + '/')
            and _uses_module_globals(func, code)):
        lines = linecache.getlines(code.co_filename)
        if lines:
            out['module_source'] = ''.join(lines)
    return out


def _uses_module_globals(func, code):
    """Whether the function reads a name its module defines (an import, a constant, a helper):
    then it cannot run from its own source alone. Names are over-approximated (co_names also holds
    attribute names), which only ever adds module_source where it is not needed."""
    module_globals = getattr(func, '__globals__', {})
    names = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    names.discard(func.__name__)
    return any(name in module_globals for name in names)


def _source(func):
    try:
        lines, _ = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return None
    text = textwrap.dedent(''.join(lines))
    if func.__name__ == '<lambda>':
        return _lambda_source(text, func) or text.strip()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return ''.join(text.splitlines(True)[node.lineno - 1:node.end_lineno])
    return text


def _lambda_source(text, func):
    """The lambda expression out of the line(s) that contain it."""
    stripped = text.strip()
    bare = re.sub(r'^\w+\s*=\s*', '', stripped)  # `python_callable=lambda: ...,` in a call
    # The lines may hold the lambda amid a call's other arguments (`task_id="x", python_callable=lambda: 1`):
    # inside a call's parentheses they parse.
    candidates = (stripped, bare, bare.rstrip(','), bare.rstrip(',)'), stripped.rstrip(',)'),
                  f'_(\n{stripped.rstrip(",")}\n)', f'_(\n{stripped.rstrip(",)")}\n)')
    for candidate in candidates:
        try:
            tree = ast.parse(candidate)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Lambda):
                segment = ast.get_source_segment(candidate, node)
                if segment:
                    return segment
    return None
