"""Windsock's Airflow shim: the modules DAG files import, recording declarations and running
nothing. Version reported as the Airflow 2.x line whose contract Windsock keeps."""
__version__ = '2.10.5'
WINDSOCK_SHIM = True

from windsock._dag import DAG  # noqa: E402,F401
from windsock._params import Param  # noqa: E402,F401
