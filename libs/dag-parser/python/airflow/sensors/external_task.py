from windsock._external_task import ExternalTaskMarker, ExternalTaskSensor  # noqa: F401
