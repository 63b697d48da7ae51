"""The platform's K8sOperator, as data scientists write it (runs as a pod with the kubernetes executor,
as a local process in standalone mode)."""
from datetime import datetime, timedelta

from airflow import DAG
from windsock.operators import K8sOperator

variables = {"env": "dev", "db": "analytics"}

dag = DAG(
    dag_id="example_platform_k8s",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    tags=["example", "repo:sample_repo"],
    default_args={"owner": "ml", "retries": 1, "retry_delay": timedelta(seconds=10)},
)

prepare = K8sOperator(name="prepare", cmd='echo "preparing $environment data in $database"',
                      image_tag="sample_repo.dag1.build_folder",
                      env_vars={"environment": variables["env"], "database": variables["db"]},
                      resources={"cpu": 1, "memory": "1Gi"}, node_group="cpu_intensive_1", dag=dag)
train = K8sOperator(name="train", cmd='echo "training for {{ ds }}"', image_tag="sample_repo.dag1.build_folder",
                    resources={"cpu": 2, "memory": "4Gi", "gpu": 1}, node_group="gpu_1", dag=dag)
prepare >> train
