"""kubernetes.client.models: any V1*/V2* model, serialised to Kubernetes JSON (windsock._k8s)."""
from windsock._k8s import KNOWN_MODELS, model_class

for _name in KNOWN_MODELS:
    globals()[_name] = model_class(_name)
del _name

__all__ = list(KNOWN_MODELS)


def __getattr__(name):
    from windsock._k8s import module_getattr
    return module_getattr(name)
