"""Id checks as Airflow makes them (airflow/utils/helpers.py validate_key)."""
import re

from windsock._exceptions import AirflowException

_KEY = re.compile(r'^[\w.-]+$')
MAX_KEY_LEN = 250


def validate_key(key, what):
    if not isinstance(key, str):
        raise TypeError(f'The {what} must be a string, not {type(key).__name__}')
    if len(key) > MAX_KEY_LEN:
        raise AirflowException(f"The {what} '{key}' has to be less than {MAX_KEY_LEN} characters")
    if not _KEY.match(key):
        raise AirflowException(
            f"The {what} '{key}' has to be made of alphanumeric characters, dashes, dots and underscores exclusively")
