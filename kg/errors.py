"""One error story: every error the library raises is a SalvageKgError with a `kind`.

A kind is a short word a program can act on ("invalid_parameter", "conflict", "timeout"...). The faces turn it
into what their users see through one table each: the HTTP status (api/errors.py) and the exit code
(kg/cli/exits.py); a test walks the package so that a new error class without a kind in both fails.

Each class keeps the built-in it always derived from (ValueError, KeyError, OSError...) as a second base, so
that code catching those still catches it.

>>> from kg.questions.parameters import ParameterError
>>> error = ParameterError("lost_antigen", "no antigen named 'CD99'")
>>> [cls.__name__ for cls in type(error).__mro__[:3]], error.kind
(['ParameterError', 'SalvageKgError', 'ValueError'], 'invalid_parameter')
"""

from typing import ClassVar


class SalvageKgError(Exception):
    """The base of every library error. `kinds` lists every kind an instance of the class may carry (the first is
    the default); `violations`, when there are any, says where a graph or a case broke the shapes."""

    kinds: ClassVar[tuple[str, ...]] = ()
    violations: tuple | list = ()

    def __init__(self, message: str = "", kind: str | None = None):
        kind = kind or self.kinds[0]
        if kind not in self.kinds:  # a typo would otherwise surface as a missing entry in a table, far away
            raise ValueError(f"{type(self).__name__} has no kind {kind!r}; its kinds: {', '.join(self.kinds)}")
        self.kind = kind
        super().__init__(message)


def error_classes(package: str = "kg") -> list[type[BaseException]]:
    """Every exception class defined in the package's modules (importing each), for the tables' completeness test."""
    import importlib
    import inspect
    from pathlib import Path

    # By file, not pkgutil.walk_packages: that skips folders without an __init__.py (kg/build is one).
    root = Path(importlib.import_module(package).__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package, *parts[:-1])) if parts[-1] == "__init__" else ".".join((package, *parts))
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.append(value)
    return found
