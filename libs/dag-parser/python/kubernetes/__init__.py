"""The part of the `kubernetes` client package DAG files use: the models, to describe pods."""
from kubernetes import client  # noqa: F401
