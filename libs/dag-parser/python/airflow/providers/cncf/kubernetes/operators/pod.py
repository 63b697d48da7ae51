from windsock._operator import BaseOperator


class KubernetesPodOperator(BaseOperator):
    _windsock_path = 'airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator'
    template_fields = ('image', 'cmds', 'arguments', 'env_vars', 'labels', 'config_file', 'pod_template_file',
                       'namespace', 'container_resources', 'volumes', 'volume_mounts', 'cluster_context')
