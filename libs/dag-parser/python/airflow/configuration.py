"""airflow.configuration.conf, read-only, with the few values a DAG file may ask for at parse time."""
from windsock._exceptions import AirflowConfigException
from windsock import _state

_VALUES = {
    ('core', 'default_timezone'): 'utc',
    ('core', 'load_examples'): 'False',
    ('core', 'dagbag_import_timeout'): '30',
    ('scheduler', 'catchup_by_default'): 'True',
}
_NO_FALLBACK = object()


class _Conf:
    def get(self, section, key, fallback=_NO_FALLBACK, **kwargs):
        if (section.lower(), key.lower()) == ('core', 'dags_folder'):
            return _state.DAG_FOLDER
        value = _VALUES.get((section.lower(), key.lower()))
        if value is not None:
            return value
        if fallback is not _NO_FALLBACK:
            return fallback
        raise AirflowConfigException(f'section/key [{section}/{key}] not found in config')

    def getboolean(self, section, key, fallback=_NO_FALLBACK, **kwargs):
        value = self.get(section, key, fallback=fallback)
        return value if isinstance(value, bool) else str(value).strip().lower() in ('t', 'true', '1')

    def getint(self, section, key, fallback=_NO_FALLBACK, **kwargs):
        return int(self.get(section, key, fallback=fallback))

    def getfloat(self, section, key, fallback=_NO_FALLBACK, **kwargs):
        return float(self.get(section, key, fallback=fallback))

    def has_option(self, section, key):
        return (section.lower(), key.lower()) in _VALUES


conf = _Conf()
