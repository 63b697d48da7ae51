from windsock import _external_task


class ExternalTaskSensor(_external_task.ExternalTaskSensor):
    _windsock_path = 'airflow.providers.standard.sensors.external_task.ExternalTaskSensor'


class ExternalTaskMarker(_external_task.ExternalTaskMarker):
    _windsock_path = 'airflow.providers.standard.sensors.external_task.ExternalTaskMarker'
