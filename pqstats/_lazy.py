"""Lazy re-exports of a package's public names (PEP 562).

A package's ``__init__`` maps each public name to the module that defines it; the module is
imported when the name is first used, so importing the package costs almost nothing::

    __getattr__, __dir__ = lazy_exports(__name__, {
        "pqstats.screens.registry": ("get_screen", "list_screens"),
    })
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, sources: Mapping[str, Iterable[str]]
                 ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    sources : mapping of str to iterable of str
        Module → the names it defines that the package re-exports. A name equal to the
        module's own last component (``"pqstats.models": ("models",)``) is the module itself.

    Returns
    -------
    __getattr__, __dir__ : callable
        To assign at the package's top level. A name is looked up once: its value is then
        stored on the package, so later lookups are plain attribute reads.
    """
    origin = {name: module for module, names in sources.items() for name in names}

    def __getattr__(name: str) -> object:
        module_name = origin.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name)
        value = module if module_name.rpartition(".")[2] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(origin))

    return __getattr__, __dir__
