from windsock import _time_sensors


class DayOfWeekSensor(_time_sensors.DayOfWeekSensor):
    _windsock_path = 'airflow.providers.standard.sensors.weekday.DayOfWeekSensor'
