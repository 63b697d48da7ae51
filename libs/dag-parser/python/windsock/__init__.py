"""Windsock's side of the Airflow shim: the platform's operators (windsock.operators) and the
private machinery (windsock._*) that records what a DAG file declares. Nothing here runs a task."""
