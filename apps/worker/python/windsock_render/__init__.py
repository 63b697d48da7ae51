"""Airflow's template rendering, run by the worker's template process in Pyodide (see render.py)."""
