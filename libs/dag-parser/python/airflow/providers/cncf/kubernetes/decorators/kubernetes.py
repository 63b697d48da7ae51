from windsock._taskflow import _KubernetesDecoratedOperator  # noqa: F401

kubernetes_task = None  # use @task.kubernetes
