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
# Printed with an ISO date when a reschedule-mode sensor's poke was false: the try ends up_for_reschedule until then.
RESCHEDULE_LINE_PREFIX = "::windsock-reschedule::"
# Printed when the try fails without retries left to use (AirflowSensorTimeout, AirflowFailException).
FAIL_LINE = "::windsock-fail::"
import datetime
import hashlib
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
    if fn is None and code is not source:
        # Defined inside a function (a @task in a @dag function): its own source, among the module's names.
        exec(compile(source, module.__file__, "exec"), module.__dict__)
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


class _SensorTimeout(Exception):
    pass


def _sensor_interval(sensor, ti, started_at, run_duration, poke_count):
    """BaseSensorOperator._get_next_poke_interval (Airflow 2.10)."""
    poke_interval = float(sensor["poke_interval"])
    if not sensor.get("exponential_backoff"):
        return poke_interval
    min_backoff = max(int(poke_interval * (2 ** (poke_count - 2))), 1)
    run_hash = int(hashlib.sha1(f"{ti.dag_id}#{ti.task_id}#{started_at}#{poke_count}".encode()).hexdigest(), 16)
    modded_hash = min_backoff + run_hash % min_backoff
    new_interval = min(float(sensor["timeout"]) - int(run_duration), float(modded_hash))
    if sensor.get("max_wait") is not None:
        new_interval = min(float(sensor["max_wait"]), new_interval)
    return new_interval


def run_sensor(sensor, poke, ti):
    """BaseSensorOperator.execute: pokes until true; returns the XCom value of a PokeReturnValue, if any.
    Raises _SensorTimeout when the timeout passed; in reschedule mode prints the next poke's date and exits."""
    import time
    now = time.time()
    # Reschedule mode counts from the first poke of the task instance's tries (the worker read it from
    # task_reschedule); poke mode from now.
    started_at = float(sensor.get("started_at") or now)
    poke_count = int(sensor.get("poke_count") or 1)
    timeout = float(sensor["timeout"])
    while True:
        result = poke()
        done = getattr(result, "is_done", None)
        wait_until = result.get("__windsock_wait_until") if isinstance(result, dict) else None
        if wait_until is not None:
            # A time sensor names the moment it waits for (an Async one: Airflow's trigger would fire then).
            until = datetime.datetime.fromisoformat(wait_until).timestamp()
        elif done is not None:
            if done:
                return getattr(result, "xcom_value", None)
        elif result:
            return None
        run_duration = time.time() - started_at
        if run_duration > timeout:
            raise _SensorTimeout(f"Sensor has timed out; run duration of {run_duration} seconds exceeds the specified timeout of {timeout}.")
        interval = _sensor_interval(sensor, ti, started_at, run_duration, poke_count)
        if wait_until is not None:
            interval = max(until - time.time(), 0)
        if sensor.get("mode") == "reschedule":
            at = datetime.datetime.fromtimestamp(time.time() + interval, datetime.timezone.utc)
            print(f"Poke returned False; rescheduling to {at.isoformat()}", flush=True)
            print(RESCHEDULE_LINE_PREFIX + at.isoformat(), flush=True)
            sys.exit(0)
        print(f"Poke returned False; poking again in {interval} seconds", flush=True)
        time.sleep(max(interval, 0))
        poke_count += 1


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
    sensor = spec.get("sensor")
    try:
        if sensor:
            result = run_sensor(sensor, lambda: call(fn, spec.get("args", []), spec.get("kwargs", {}), context), ti)
        elif spec.get("operator_class"):
            # A BaseOperator subclass from the DAG folder: built with its arguments, then execute(context).
            operator = fn(task_id=ti.task_id, **spec.get("kwargs", {}))
            context["task"] = operator
            result = operator.execute(context)
        else:
            result = call(fn, spec.get("args", []), spec.get("kwargs", {}), context)
    except Exception as e:
        names = {k.__name__ for k in type(e).__mro__}
        if sensor and (isinstance(e, _SensorTimeout) or "AirflowSensorTimeout" in names):
            # A timeout is no failure to retry: failed, or skipped with soft_fail / never_fail.
            if sensor.get("soft_fail") or sensor.get("never_fail"):
                print(f"{e} Skipping due to soft_fail.", flush=True)
                print(SKIP_LINE, flush=True)
                sys.exit(1)
            print(f"AirflowSensorTimeout: {e}", flush=True)
            print(FAIL_LINE, flush=True)
            sys.exit(1)
        if sensor and sensor.get("never_fail") and "AirflowSkipException" not in names:
            print(f"Skipping due to never_fail: {type(e).__name__}: {e}", flush=True)
            print(SKIP_LINE, flush=True)
            sys.exit(1)
        if "AirflowFailException" in names:
            print(f"AirflowFailException: {e}", flush=True)
            print(FAIL_LINE, flush=True)
            sys.exit(1)
        if "AirflowSkipException" in names:
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
