"""A Spark job with the platform's SparK8sOperator. It needs the kubernetes executor (a SparkApplication is
submitted to the Spark operator), so it starts paused; standalone's local executor cannot run Spark.
It runs in the [kubernetes] namespace, and every object it names (the `spark` service account, the
`spark-data` claim, the `spark-job-config` ConfigMap, the `spark-job-secret` Secret) is created there by
deploy/kubernetes/spark-examples.yaml: a real cluster refuses or holds pods whose references are missing."""
from datetime import datetime

from airflow import DAG
from kubernetes.client import models as k8s
from windsock.operators import SparK8sOperator

volume = k8s.V1Volume(name="data", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="spark-data"))
volume_mount = k8s.V1VolumeMount(name="data", mount_path="/data")

with DAG("example_spark", schedule=None, start_date=datetime(2024, 1, 1), is_paused_upon_creation=True,
         tags=["example", "repo:sample_repo"]) as dag:
    SparK8sOperator(task_id="aggregate", service_account_name="spark",
                    code_path="/airflow/sample_repo/dags/sample_docker/scripts/main_spark.py",
                    image_tag="sample_repo.dag2.spark_build_folder", env_vars={"environment": "dev"},
                    volumes=[volume], volume_mounts=[volume_mount], config_map_mounts={"spark-job-config": "/mnt/config"},
                    from_env_config_map=["spark-job-config"], from_env_secret=["spark-job-secret"], dynamic_allocation=True)
