"""kubernetes.client: the models (V1Volume, V1EnvVar, ...) under both import paths."""
from kubernetes.client import models  # noqa: F401
from windsock._k8s import KNOWN_MODELS, model_class

for _name in KNOWN_MODELS:
    globals()[_name] = model_class(_name)
del _name


def __getattr__(name):
    from windsock._k8s import module_getattr
    return module_getattr(name)
