from windsock._operator import BaseOperator, chain, chain_linear, cross_downstream  # noqa: F401
