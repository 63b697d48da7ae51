"""The platform's operators (DESIGN.md), as its users write them:

    K8sOperator(name='task_name', cmd='python main.py', image_tag='repo.dag.build_folder',
                env_vars={...}, resources={'cpu': 1, 'memory': '1Gi'}, node_group='cpu_intensive_1', dag=dag)
    SparK8sOperator(task_id='task_name', code_path='/path/main_spark.py', image_tag='repo.dag.build', ...)

K8sOperator's `name` is the task id when task_id is not given. Both take only their own keyword arguments
(and BaseOperator's): an unknown one is an import error naming it (libs/dag-parser/src/operators.ts)."""
from windsock._operator import BaseOperator


class K8sOperator(BaseOperator):
    _windsock_path = 'windsock.operators.K8sOperator'
    template_fields = ('cmd', 'env_vars')

    def __init__(self, *args, name=None, task_id=None, **kwargs):
        if name is not None:
            kwargs['name'] = name
        super().__init__(*args, task_id=task_id if task_id is not None else name, **kwargs)


class SparK8sOperator(BaseOperator):
    _windsock_path = 'windsock.operators.SparK8sOperator'
    template_fields = ('code_path', 'env_vars', 'arguments')
