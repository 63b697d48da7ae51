from windsock._variables import Variable  # noqa: F401
