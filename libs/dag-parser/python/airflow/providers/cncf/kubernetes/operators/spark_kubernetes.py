from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator


class SparkKubernetesOperator(KubernetesPodOperator):
    _windsock_path = 'airflow.providers.cncf.kubernetes.operators.spark_kubernetes.SparkKubernetesOperator'
    template_fields = ('application_file', 'namespace', 'template_spec', 'kubernetes_conn_id')
    template_ext = ('.yaml', '.yml', '.json')
