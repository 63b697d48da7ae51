"""The pre-5.0 provider path."""
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as _KubernetesPodOperator


class KubernetesPodOperator(_KubernetesPodOperator):
    _windsock_path = 'airflow.providers.cncf.kubernetes.operators.kubernetes_pod.KubernetesPodOperator'
