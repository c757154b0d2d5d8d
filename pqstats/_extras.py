"""Optional dependencies: import one, or say in one line which extra brings it.

``pip install pqstats`` is the light core (the models, the metric, enrichment, the
knowledge graph, predict / explain / prioritise, the benchmark and the report). Everything
else is an extra named for what it enables; every import of an optional package goes
through :func:`require`, so a missing one fails with the command that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: extra -> what it enables (the names of ``[project.optional-dependencies]``)
EXTRAS = {
    "h5ad": "importing a screen of cells from an h5ad file (anndata)",
    "parquet": "reading parquet tables (pyarrow)",
    "deseq2": "DESeq2 tests of an h5ad screen (pydeseq2)",
    "node2vec": "node2vec embeddings (gensim, numba)",
    "llm": "running the Summer LLM adapter in-process (llama-cpp-python)",
    "text": "MiniLM sentence embeddings (torch)",
    "dask": "the dask backend",
    "ray": "the ray backend",
}


class MissingExtraError(ImportError):
    """An optional package is not installed; the message names the extra that brings it."""

    def __init__(self, module: str, extra: str, what: str, reason: str = "") -> None:
        super().__init__(f"{what} needs the optional package {module!r}{reason}: "
                         f"pip install 'pqstats[{extra}]'", name=module)
        self.extra = extra


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra``.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"anndata"`` or ``"pydeseq2.dds"``.
    extra : str
        The pqstats extra that installs it (a key of :data:`EXTRAS`).
    what : str
        What the caller was doing, for the message (e.g. ``"an h5ad import"``).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingExtraError
        The module (or one it imports) is not installed.
    ValueError
        ``extra`` is not one of pqstats' extras.
    """
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; choose from {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ImportError as err:  # not installed, or installed but broken (say why)
        reason = "" if isinstance(err, ModuleNotFoundError) else f" ({err})"
        raise MissingExtraError(module, extra, what, reason) from err
