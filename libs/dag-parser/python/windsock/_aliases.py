"""Company import paths for Windsock operators (the loader's operatorAliases), e.g.
    {"dsp.operators.K8sOperator": "windsock.operators.K8sOperator"}
makes `from dsp.operators import K8sOperator` work. The alias is an operator class of its own whose
recorded path is the alias ("dsp.operators.K8sOperator"): the registry resolves it with the same map.
The modules are made once per interpreter and kept across files."""
import importlib
import sys
import types

from windsock._operator import BaseOperator


def install(aliases):
    for alias, target in aliases.items():
        module_name, _, attr = alias.rpartition('.')
        target_module, _, target_attr = target.rpartition('.')
        if not module_name or not target_module:
            raise ValueError(f'operator alias {alias!r} -> {target!r}: both must be module.Name paths')
        value = getattr(importlib.import_module(target_module), target_attr)
        if isinstance(value, type) and issubclass(value, BaseOperator):
            value = type(attr, (value,), {'_windsock_path': alias, '__module__': module_name})
        setattr(_ensure_module(module_name), attr, value)


def _ensure_module(name):
    module = sys.modules.get(name)
    if module is None:
        try:
            module = importlib.import_module(name)
        except ImportError:
            module = types.ModuleType(name)
            module.__path__ = []  # a package, so deeper aliases can live under it
            module.__windsock_alias__ = True
            sys.modules[name] = module
    parent, _, child = name.rpartition('.')
    if parent:
        setattr(_ensure_module(parent), child, module)
    return module
