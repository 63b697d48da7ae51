"""The sandbox's refusals. Both carry `what` (the operation refused) for the import error."""


class Refused(PermissionError):
    """An operation a DAG file may not do while it is parsed (network, processes, host files)."""

    def __init__(self, what, why):
        super().__init__(f'Windsock refused {what} while parsing DAG files: {why}')
        self.what = what


class RefusedImport(ImportError):
    """A module a DAG file may not import while it is parsed."""

    def __init__(self, module, why):
        super().__init__(f"Windsock refused to import '{module}' while parsing DAG files: {why}", name=module)
        self.what = f"import of '{module}'"
