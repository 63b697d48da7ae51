"""A TaskGroup whose tasks are built in a loop, between a start and an end."""
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

REGIONS = ["emea", "amer", "apac"]

with DAG("example_task_group_loop", schedule="0 6 * * *", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         catchup=False, is_paused_upon_creation=False, tags=["example", "repo:examples"]) as dag:
    start = EmptyOperator(task_id="start")
    with TaskGroup("regions", tooltip="one extract per region") as regions:
        for region in REGIONS:
            BashOperator(task_id=f"extract_{region}", bash_command=f"echo extracting {region} for {{{{ ds }}}}")
    end = BashOperator(task_id="end", bash_command="echo all regions done", trigger_rule="all_done")
    start >> regions >> end
