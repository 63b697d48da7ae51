"""What the file being parsed has declared so far. One parse at a time per interpreter: the runner
resets this before each file, so nothing leaks from one file to the next."""

import sys

#: Where the DAG folder is mounted (read-only): by default the path of Airflow's official image, so
#: DAG files that build paths from __file__ or from that folder behave as they do there. The runner's
#: bootstrap may change it (native CPython runs the shim on a host folder); read it as
#: `_state.DAG_FOLDER`, never bind it at import.
DAG_FOLDER = '/opt/airflow/dags'


class ParseState:
    def __init__(self):
        self.reset('')

    def reset(self, path):
        #: absolute path of the file being parsed (inside the DAG folder mount)
        self.path = path
        #: every DAG created, in creation order
        self.dags = []
        #: DAGs Airflow auto-registers: used as a context manager or built by @dag
        self.autoregistered = []
        #: `with DAG(...)` / `with TaskGroup(...)` nesting
        self.dag_stack = []
        self.group_stack = []
        self.seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    def current_dag(self):
        return self.dag_stack[-1] if self.dag_stack else None

    def current_group(self, dag):
        """The innermost open TaskGroup that belongs to `dag` (tasks join it)."""
        for group in reversed(self.group_stack):
            if group.dag is dag:
                return group
        return None


STATE = ParseState()


def caller_line():
    """1-based line, in the file being parsed, of the innermost frame running that file's code:
    where the user declared the thing being built (a call from a helper module in the DAG folder
    reports the line in the DAG file that called the helper)."""
    frame = sys._getframe(1)
    path = STATE.path
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None
