"""airflow.sensors: BaseSensorOperator and the sensors Windsock runs (see windsock._sensors)."""
