"""Runs one Python task callable, for Windsock's local executor (a process here) and kubernetes executor (a pod).

Reads a JSON spec (a file named by argv[1], or the WINDSOCK_TASK_SPEC variable): the callable's source (and its module's source when it uses module globals), its
positional and keyword arguments (XComArgs already resolved), and a JSON-safe template context. Calls the callable as
Airflow's PythonOperator does -- context entries are passed to parameters that name them, or all of them to **kwargs --
and writes a JSON return value to $WINDSOCK_XCOM_PATH, or, where there is no such file (a pod), prints it on a
line starting with XCOM_LINE_PREFIX for the executor to take from the log. Locally the `airflow` shim and the DAG
folder are on sys.path, so a module that declares DAGs can be executed without Airflow installed; in an image
without Airflow the callable's own source is run instead.
"""
XCOM_LINE_PREFIX = "::windsock-xcom::"
# Printed (alone on its line) when the task raised AirflowSkipException; the worker then records it skipped.
SKIP_LINE = "::windsock-skip::"
import inspect
import json
import os
import sys
import types


class TaskInstance:
    """The `ti` a callable receives: xcom_pull over the run's XComs, and the try's identity."""

    def __init__(self, ctx, xcoms):
        self.dag_id = ctx.get("dag", {}).get("dag_id")
        self.task_id = ctx.get("task", {}).get("task_id")
        self.run_id = ctx.get("run_id")
        self.try_number = ctx.get("try_number")
        self.map_index = ctx.get("map_index", -1)
        self._xcoms = xcoms

    def xcom_pull(self, task_ids=None, key="return_value", **_ignored):
        if task_ids is None:
            task_ids = self.task_id
        if isinstance(task_ids, (list, tuple)):
            return [self._xcoms.get(t, {}).get(key) for t in task_ids]
        return self._xcoms.get(task_ids, {}).get(key)

    def xcom_push(self, key, value):
        raise RuntimeError("xcom_push from a Windsock Python task is not supported yet; return the value instead")


def load_callable(spec):
    name = spec["name"]
    source = spec["source"]
    module = types.ModuleType("__windsock_task__")
    module.__file__ = spec.get("fileloc") or "<dag file>"
    sys.modules["__windsock_task__"] = module
    if name == "<lambda>":
        # A lambda that reads its module's names (`lambda: random.choice(options)`) is evaluated among them.
        if spec.get("module_source"):
            exec(compile(spec["module_source"], module.__file__, "exec"), module.__dict__)
        return eval(source.strip(), module.__dict__)
    code = spec.get("module_source") or source
    try:
        exec(compile(code, module.__file__, "exec"), module.__dict__)
    except ImportError as e:
        if code is source:
            raise
        # The DAG file's module needs what this image lacks (Airflow, say): run the callable's own source.
        print(f"running {name} without its DAG file's module ({e}); module-level names it uses are not defined", flush=True)
        filename = module.__file__
        module.__dict__.clear()
        module.__file__ = filename
        exec(compile(source, filename, "exec"), module.__dict__)
    fn = module.__dict__.get(name)
    if fn is None:
        raise RuntimeError(f"callable {name!r} not found after executing its source")
    return getattr(fn, "__wrapped__", fn)


def call(fn, args, kwargs, context):
    sig = inspect.signature(fn)
    params = sig.parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        extra = {k: v for k, v in context.items() if k not in kwargs}
    else:
        taken = set(kwargs)
        positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][: len(args)]
        taken.update(p.name for p in positional)
        extra = {k: context[k] for k in params if k in context and k not in taken}
    return fn(*args, **kwargs, **extra)


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            spec = json.load(f)
    else:
        spec = json.loads(os.environ["WINDSOCK_TASK_SPEC"])
    for p in reversed(spec.get("sys_path", [])):
        sys.path.insert(0, p)
    context = spec["context"]
    ti = TaskInstance(context, spec.get("xcoms", {}))
    context["ti"] = ti
    context["task_instance"] = ti
    if spec.get("templates_dict") is not None:
        context["templates_dict"] = spec["templates_dict"]
    fn = load_callable(spec)
    try:
        if spec.get("operator_class"):
            # A BaseOperator subclass from the DAG folder: built with its arguments, then execute(context).
            operator = fn(task_id=ti.task_id, **spec.get("kwargs", {}))
            context["task"] = operator
            result = operator.execute(context)
        else:
            result = call(fn, spec.get("args", []), spec.get("kwargs", {}), context)
    except Exception as e:
        if any(k.__name__ == "AirflowSkipException" for k in type(e).__mro__):
            print(f"Skipping task: {e}" if str(e) else "Skipping task (AirflowSkipException)", flush=True)
            print(SKIP_LINE, flush=True)
            sys.exit(1)
        raise
    print(f"Done. Returned value was: {result!r}", flush=True)
    if result is not None:
        try:
            text = json.dumps(result)
        except (TypeError, ValueError) as e:
            raise TypeError(f"the return value is not JSON serializable ({e}); return JSON types to pass it as an XCom") from e
        if os.environ.get("WINDSOCK_XCOM_PATH"):
            with open(os.environ["WINDSOCK_XCOM_PATH"], "w", encoding="utf-8") as f:
                f.write(text)
        else:
            print(XCOM_LINE_PREFIX + text, flush=True)


if __name__ == "__main__":
    main()
