"""Screens: the registry of every Perturb-seq screen pqstats knows, and their tables.

A *screen* is one Perturb-seq experiment in one cell line: the five PerturbQA datasets
(``k562``, ``rpe1``, ``hepg2``, ``jurkat``, ``k562_set``) are built-in screens, and a
lab's own screen becomes one when imported into ``$PQSTATS_DATA/screens/<name>/``.
Every module asks this registry; none lists screen names.

* :mod:`~pqstats.screens.record` — the :class:`Screen` record;
* :mod:`~pqstats.screens.registry` — lookup (:func:`get_screen`, the one resolver of
  screen names), listing and removal;
* :mod:`~pqstats.screens.perturbqa` — the PerturbQA files (sha256, fetch) and screens;
* :mod:`~pqstats.screens.tables` — the pair-table format and its validation;
* :mod:`~pqstats.screens.load` — :func:`load_de`, :func:`load_dir` for any screen;
* :mod:`~pqstats.screens.coverage` — how much of a screen's genes the knowledge graph
  covers;
* :mod:`~pqstats.screens.imports` — :func:`import_screen`: a lab's own screen (pair
  labels, per-perturbation DE statistics, an h5ad of cells, or only a list of readout
  genes) becomes a registered one.

>>> from pqstats.screens import get_screen
>>> get_screen(" K562 ").study
'replogle2022_k562'
"""

from __future__ import annotations

from pqstats._lazy import lazy_exports

# each name is imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, {
    "pqstats.screens.imports": ("ImportedScreen", "ScreenImportError", "import_screen",),
    "pqstats.screens.load": ("available_screens", "load_de", "load_dir", "load_pairs",
        "load_programs", "measured_genes", "readout_members", "table_path", "table_sha256",),
    "pqstats.screens.perturbqa": ("REGISTRY", "fetch", "fetch_all", "load_gse",),
    "pqstats.screens.record": ("READOUTS", "Screen", "ScreenFile",),
    "pqstats.screens.registry": ("ScreenReadoutError", "UnknownScreenError",
        "UnlabelledScreenError", "broken_screens", "builtin_screens", "get_screen",
        "list_screens", "normalise_screen_name", "remove_screen", "resolve_screen",
        "screen_names", "screens_dir",),
    "pqstats.screens.tables": ("PAIR_COLUMNS", "TASKS", "DatasetError", "read_pairs",
        "validate_pairs",),
})

__all__ = [
    "PAIR_COLUMNS", "READOUTS", "REGISTRY", "TASKS", "DatasetError", "ImportedScreen",
    "Screen", "ScreenFile", "ScreenImportError", "import_screen",
    "ScreenReadoutError", "UnknownScreenError", "UnlabelledScreenError", "available_screens",
    "broken_screens",
    "builtin_screens", "fetch", "fetch_all", "get_screen", "list_screens", "load_de",
    "load_dir", "load_gse", "load_pairs", "load_programs", "measured_genes",
    "normalise_screen_name", "read_pairs", "readout_members", "remove_screen",
    "resolve_screen", "screen_names", "screens_dir", "table_path", "table_sha256",
    "validate_pairs",
]
