"""Airflow 3 paths of the sensors (apache-airflow-providers-standard)."""
