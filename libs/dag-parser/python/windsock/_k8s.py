"""Kubernetes client models (kubernetes.client.models.V1Volume, ...): one generic model class that
keeps its snake_case keyword arguments and serialises them to the Kubernetes JSON (camelCase keys,
None left out), which is what the real client's ApiClient.sanitize_for_serialization produces."""
import re

# Attribute names whose JSON key is not the plain camelCase of the snake_case name.
_SPECIAL_KEYS = {
    'host_ipc': 'hostIPC', 'host_pid': 'hostPID', 'host_ip': 'hostIP', 'host_i_ps': 'hostIPs',
    'pod_ip': 'podIP', 'pod_i_ps': 'podIPs', 'scale_io': 'scaleIO', 'cluster_ip': 'clusterIP',
    'cluster_i_ps': 'clusterIPs', 'external_i_ps': 'externalIPs', 'load_balancer_ip': 'loadBalancerIP',
    'api_version': 'apiVersion', 'fs_group': 'fsGroup',
    '_exec': 'exec', '_continue': 'continue', '_from': 'from', '_not': 'not', '_else': 'else',
}
_CAMEL = re.compile(r'_([a-z0-9])')


def json_key(name):
    special = _SPECIAL_KEYS.get(name)
    if special:
        return special
    return _CAMEL.sub(lambda m: m.group(1).upper(), name.lstrip('_'))


class K8sModel:
    """Base of every V1*/V2* model: keyword arguments only, any attribute allowed."""

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(f'{type(self).__name__}() takes keyword arguments only in Windsock\'s kubernetes shim')
        self.__dict__.update(kwargs)

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return None  # an unset field reads as None, as in the real client

    def to_dict(self):
        from windsock._serialize import to_json
        out = {}
        for key, value in self.__dict__.items():
            if value is None:
                continue
            out[json_key(key)] = to_json(value)
        return out

    def __windsock_json__(self):
        return self.to_dict()

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        inner = ', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())
        return f'{type(self).__name__}({inner})'




_CLASSES = {}


def model_class(name):
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (K8sModel,), {'__module__': 'kubernetes.client.models'})
    return cls


# Listed so `from kubernetes.client.models import *` and dir() show them; any other V1*/V2* name is
# made on first use by the modules' __getattr__.
KNOWN_MODELS = (
    'V1Affinity', 'V1Capabilities', 'V1ConfigMapEnvSource', 'V1ConfigMapKeySelector', 'V1ConfigMapProjection',
    'V1ConfigMapVolumeSource', 'V1Container', 'V1ContainerPort', 'V1CSIVolumeSource', 'V1DownwardAPIVolumeSource',
    'V1EmptyDirVolumeSource', 'V1EnvFromSource', 'V1EnvVar', 'V1EnvVarSource', 'V1ExecAction',
    'V1HostAlias', 'V1HostPathVolumeSource', 'V1HTTPGetAction', 'V1KeyToPath', 'V1LabelSelector',
    'V1LabelSelectorRequirement', 'V1Lifecycle', 'V1LifecycleHandler', 'V1LocalObjectReference',
    'V1NFSVolumeSource', 'V1NodeAffinity', 'V1NodeSelector', 'V1NodeSelectorRequirement', 'V1NodeSelectorTerm',
    'V1ObjectFieldSelector', 'V1ObjectMeta', 'V1PersistentVolumeClaimVolumeSource', 'V1Pod', 'V1PodAffinity',
    'V1PodAffinityTerm', 'V1PodAntiAffinity', 'V1PodDNSConfig', 'V1PodSecurityContext', 'V1PodSpec',
    'V1PreferredSchedulingTerm', 'V1Probe', 'V1ProjectedVolumeSource', 'V1ResourceFieldSelector',
    'V1ResourceRequirements', 'V1SeccompProfile', 'V1SecretEnvSource', 'V1SecretKeySelector',
    'V1SecretProjection', 'V1SecretVolumeSource', 'V1SecurityContext', 'V1TCPSocketAction', 'V1Toleration',
    'V1TopologySpreadConstraint', 'V1Volume', 'V1VolumeMount', 'V1VolumeProjection',
    'V1WeightedPodAffinityTerm',
)


def module_getattr(name):
    if re.match(r'^V\d+(alpha\d+|beta\d+)?[A-Z]\w*$', name):
        return model_class(name)
    raise AttributeError(f"module 'kubernetes.client.models' has no attribute '{name}'")
