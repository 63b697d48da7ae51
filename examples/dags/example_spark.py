"""A Spark job with the platform's SparK8sOperator. It needs the kubernetes executor (a SparkApplication is
submitted to the Spark operator), so it starts paused; standalone's local executor cannot run Spark."""
from datetime import datetime

from airflow import DAG
from kubernetes.client import models as k8s
from windsock.operators import SparK8sOperator

volume = k8s.V1Volume(name="data", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="data"))
volume_mount = k8s.V1VolumeMount(name="data", mount_path="/data")

with DAG("example_spark", schedule=None, start_date=datetime(2024, 1, 1), is_paused_upon_creation=True,
         tags=["example", "repo:sample_repo"]) as dag:
    SparK8sOperator(task_id="aggregate", namespace="default", service_account_name="k8s_service_account",
                    code_path="/airflow/sample_repo/dags/sample_docker/scripts/main_spark.py",
                    image_tag="sample_repo.dag2.spark_build_folder", env_vars={"environment": "dev"},
                    volumes=[volume], volume_mounts=[volume_mount], config_map_mounts={"config_map_test": "/mnt/tmp"},
                    from_env_config_map=["test-config-map"], from_env_secret=["secret"], dynamic_allocation=True)
