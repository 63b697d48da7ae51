"""Secret (KubernetesPodOperator(secrets=[...])): recorded as its fields."""


class Secret:
    def __init__(self, deploy_type, deploy_target, secret, key=None, items=None):
        self.deploy_type = deploy_type
        self.deploy_target = deploy_target
        self.secret = secret
        self.key = key
        self.items = items

    def __windsock_json__(self):
        out = {'deploy_type': self.deploy_type, 'deploy_target': self.deploy_target, 'secret': self.secret}
        if self.key is not None:
            out['key'] = self.key
        if self.items is not None:
            from windsock._serialize import to_json
            out['items'] = to_json(self.items)
        return out

    def __repr__(self):
        return f'Secret({self.deploy_type}, {self.deploy_target}, {self.secret}, {self.key})'
