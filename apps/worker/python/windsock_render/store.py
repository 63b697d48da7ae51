"""What templates read from the metastore at render time: variables, connections and this run's XComs.

The worker sends what it already has with the request. A template that reads a name it was not sent gets a
Pending placeholder, the render goes on to find every other missing name, and the worker is told what to fetch
(`needs`); it fetches exactly those names (rows of this DAG run only, for XComs) and renders again. So a template
reaches only what its task could reach, and only what it names.
"""
MAX_NEEDS = 1000


class NotFetched(Exception):
    pass


class Pending:
    """Stands in for a value still to be fetched: any use of it is harmless and renders as nothing."""

    def __getattr__(self, name):
        return self

    def __getitem__(self, key):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __str__(self):
        return ''

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __len__(self):
        return 0


PENDING = Pending()
MISSING = object()


class Store:
    def __init__(self, data):
        data = data or {}
        self.variables = data.get('variables') or {}
        self.connections = data.get('connections') or {}
        self.xcoms = {}
        for task_id, key, found, value in data.get('xcoms') or []:
            self.xcoms[(task_id, key)] = value if found else MISSING
        self.needs = {'variables': [], 'connections': [], 'xcoms': []}
        self._count = 0

    def _need(self, kind, item):
        if item not in self.needs[kind]:
            self._count += 1
            if self._count > MAX_NEEDS:
                raise NotFetched(f'a template may read at most {MAX_NEEDS} variables, connections and XComs')
            self.needs[kind].append(item)
        return PENDING

    def variable(self, key):
        """The variable's text, MISSING, or PENDING."""
        key = str(key)
        if key not in self.variables:
            return self._need('variables', key)
        value = self.variables[key]
        return MISSING if value is None else value

    def connection(self, conn_id):
        conn_id = str(conn_id)
        if conn_id not in self.connections:
            return self._need('connections', conn_id)
        value = self.connections[conn_id]
        return MISSING if value is None else value

    def xcom(self, task_id, key):
        item = (str(task_id), str(key))
        if item not in self.xcoms:
            return self._need('xcoms', list(item))
        return self.xcoms[item]

    @property
    def pending(self):
        return self._count > 0
