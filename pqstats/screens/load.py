"""Loaders for any registered screen: its pair tables, gene programmes and measured genes.

Built-in screens read the verified PerturbQA files (:mod:`pqstats.screens.perturbqa`);
imported screens read ``de.csv`` / ``dir.csv`` of their folder. Both are validated the
same way (:func:`pqstats.screens.tables.validate_pairs`). A screen whose table is not
available here raises :class:`pqstats.DataUnavailableError` with one message format,
whatever the command: ``screen 'NAME' is unavailable here: <why, and the fix>``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pqstats._fetch import DataUnavailableError, data_dir, mirror_dir
from pqstats._settings import SettingError
from pqstats.screens.perturbqa import fetch, read_json
from pqstats.screens.record import Screen
from pqstats.screens.registry import (
    UnlabelledScreenError,
    get_screen,
    list_screens,
    unlabelled_message,
)
from pqstats.screens.tables import DatasetError, check_task, read_pairs

__all__ = ["load_pairs", "load_de", "load_dir", "table_path", "table_sha256",
           "available_screens", "load_programs", "readout_members", "measured_genes"]


def table_path(name: str | Screen, task: str) -> Path:
    """Local path of a screen's ``task`` table (fetched and verified for built-ins).

    Raises
    ------
    DataUnavailableError
        ``screen 'NAME' is unavailable here: ...`` — the file is missing, with the fix.
    UnlabelledScreenError
        The screen has only readout genes (imported with ``format="genes"``).
    """
    screen = get_screen(name)
    check_task(task)
    if not screen.labelled:
        raise UnlabelledScreenError(unlabelled_message(screen, f"its {task} labels"))
    entry = screen.file(task)
    if entry is None:
        raise DataUnavailableError(
            f"screen {screen.name!r} is unavailable here: it has no {task} table (its "
            f"import recorded none in {screen.path}); re-import it with {task} labels")
    if screen.builtin:
        try:
            return fetch(entry.name)
        except DataUnavailableError as err:
            raise DataUnavailableError(
                f"screen {screen.name!r} is unavailable here: {err}",
                summary=f"screen {screen.name!r} is unavailable here: {err.summary}") from None
    path = screen.path / entry.name
    if not path.is_file():
        raise DataUnavailableError(
            f"screen {screen.name!r} is unavailable here: {path} is missing; re-import the "
            f"screen or `pqstats screen remove {screen.name}`")
    _verify(screen, path)
    return path


def _verify(screen: Screen, path: Path) -> None:
    """Refuse an imported table that no longer matches the checksum its import recorded.

    Screens imported before checksums were recorded have none, and are read as they are.
    """
    recorded = (screen.manifest.get("checksums") or {}).get(path.name)
    if not recorded:
        return
    stat = path.stat()
    if _file_sha256(str(path), stat.st_mtime_ns, stat.st_size) != recorded:
        raise DatasetError(
            f"screen {screen.name!r}: {path} no longer matches the checksum its import "
            f"recorded (it was edited, truncated or replaced after the import); re-import "
            f"the screen (--overwrite) or `pqstats screen remove {screen.name}`")


def table_sha256(name: str | Screen, task: str) -> str:
    """sha256 of a screen's ``task`` table (what identifies its labels in cache keys)."""
    screen = get_screen(name)
    path = table_path(screen, task)
    if screen.builtin:
        return screen.file(task).sha256  # table_path verified the bytes against it
    return _file_sha256(str(path), path.stat().st_mtime_ns, path.stat().st_size)


@lru_cache(maxsize=64)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:  # noqa: ARG001 (cache key)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=16)
def _read_pairs_cached(path: str, mtime_ns: int, size: int) -> pd.DataFrame:  # noqa: ARG001
    return read_pairs(path)


def load_pairs(name: str | Screen, task: str) -> pd.DataFrame:
    """Load one screen's pairs for ``task`` (``"de"`` or ``"dir"``).

    Parameters
    ----------
    name : str or Screen
        A registered screen (any spelling :func:`pqstats.screens.get_screen` accepts).
    task : {"de", "dir"}

    Returns
    -------
    pandas.DataFrame
        Columns ``pert, gene, label, split`` (label int8 in {0, 1}); a fresh copy.
    """
    screen = get_screen(name)
    check_task(task)
    if screen.builtin:  # verified once per process (and per cache / mirror folder)
        return _load_builtin_cached(screen.name, task, str(data_dir()),
                                    str(mirror_dir())).copy()
    path = table_path(screen, task)
    stat = path.stat()
    return _read_pairs_cached(str(path), stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=16)
def _load_builtin_cached(name: str, task: str, cache: str, mirror: str  # noqa: ARG001
                         ) -> pd.DataFrame:
    return read_pairs(table_path(name, task))


def load_de(name: str | Screen) -> pd.DataFrame:
    """Differential-expression pairs of screen ``name``: ``pert, gene, label, split``."""
    return load_pairs(name, "de")


def load_dir(name: str | Screen) -> pd.DataFrame:
    """Direction pairs (DE pairs; label 1 = up) of screen ``name``."""
    return load_pairs(name, "dir")


def available_screens(task: str = "de") -> dict[str, str | None]:
    """Which screens' ``task`` tables can be loaded here: name → None, or the reason."""
    check_task(task)
    status: dict[str, str | None] = {}
    for screen in list_screens():
        try:
            table_path(screen, task)
            status[screen.name] = None
        except SettingError:
            raise  # a setting that is wrong (PQSTATS_MIRROR a file) is not "unavailable"
        except (DataUnavailableError, ValueError) as err:  # UnlabelledScreenError too
            status[screen.name] = str(err)
    return status


def load_programs(name: str | Screen = "k562_set") -> dict[str, list[str]]:
    """A programme screen's gene programmes: programme name → member genes.

    The ``gene`` column of ``k562_set`` pairs names a programme, e.g.
    ``"12-oxidative phosphorylation"``.
    """
    screen = get_screen(name, readout="programmes")
    entry = screen.file("programmes")
    if entry is None:
        raise DatasetError(f"screen {screen.name!r} records no programme members")
    mapping = read_json(entry.name) if screen.builtin else _read_user_json(screen, entry.name)
    if not isinstance(mapping, dict):
        raise DatasetError(f"{entry.name}: expected {{programme: [genes]}}")
    return {str(k): [str(g) for g in v] for k, v in mapping.items()}


def _read_user_json(screen: Screen, filename: str):
    import json

    path = screen.path / filename
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise DatasetError(f"{path}: not readable JSON ({err})") from err


def readout_members(name: str | Screen) -> dict[str, list[str]] | None:
    """Programme → member genes for a programme screen that records them, else None.

    What features need to read a readout: a gene-level screen's readouts are genes
    themselves (None).
    """
    screen = get_screen(name)
    if screen.readout != "programmes" or screen.file("programmes") is None:
        return None
    return load_programs(screen)


def measured_genes(name: str | Screen = "k562") -> list[str]:
    """The genes a screen measured (the background for enrichment), sorted.

    Of the PerturbQA screens only K562 publishes its full measured gene list
    (``k562_gw_mapping_full.json``, symbol → Ensembl id; ``k562_set`` shares it); an
    imported screen has one when its import wrote ``genes.txt`` (for a genes-only screen,
    imported with ``format="genes"``, these are its readout genes).
    """
    screen = get_screen(name)
    entry = screen.file("measured")
    if entry is None:
        having = [s.name for s in list_screens() if s.file("measured") is not None]
        raise DatasetError(f"a measured-gene list is registered only for "
                           f"{', '.join(having)}; not for {screen.name!r}")
    if screen.builtin:
        return sorted(read_json(entry.name))
    path = screen.path / entry.name
    genes = [g.strip() for g in path.read_text(encoding="utf-8").splitlines() if g.strip()]
    return sorted(set(genes))
