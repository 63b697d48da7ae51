"""The Airflow 2.0-2.2 path of Secret."""
from airflow.providers.cncf.kubernetes.secret import Secret  # noqa: F401
