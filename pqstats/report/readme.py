"""The README's results table, written from ``results/benchmark.csv`` so that it cannot drift.

One row per screen and task; the paper's Summer (LLM) and Retrieval (No LLM) values
(Table 1 of Wu et al. 2025) beside the best pqstats model of each track. ``pqstats report``
rewrites the block of ``README.md`` between :data:`START` and :data:`END` when it runs in
the repository; a test checks that the committed README holds exactly what
:func:`results_table` writes.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

__all__ = ["START", "END", "PAPER_ROWS", "results_table", "update_readme", "refresh_readme"]

#: The markers around the generated block in ``README.md``.
START = "<!-- results-table:start -->"
END = "<!-- results-table:end -->"
#: The paper's methods shown beside pqstats (keys of ``PAPER_TABLE``), and their headers.
PAPER_ROWS: dict[str, str] = {
    "Summer (LLM)": "Summer (LLM, paper)",
    "Retrieval (No LLM)": "Retrieval (paper)",
}
_TRACKS = ("strict", "transfer", "zero-shot")
_TASKS = {"de": "DE", "dir": "Dir"}
_MISSING = "–"


def _label(screen: str) -> str:
    """A screen's registered label (``K562-sets``), or its name if it is not registered."""
    from pqstats.screens import DatasetError, get_screen

    try:
        return get_screen(screen).label
    except DatasetError:
        return str(screen)


def _best(scored: pd.DataFrame, screen: str, task: str, track: str) -> str:
    """``0.742 xgboost``: the highest per-gene AUROC of one cell, or ``–`` if none ran."""
    cell = scored[(scored["dataset"] == screen) & (scored["task"] == task)
                  & (scored["track"] == track)]
    if cell.empty:
        return _MISSING
    # ties go to the model named first alphabetically, so the table is deterministic
    top = cell.sort_values(["auroc", "model"], ascending=[False, True]).iloc[0]
    return f"{top['auroc']:.3f} `{top['model']}`"


def _paper(method: str, task: str, screen: str) -> str:
    from pqstats.report._results import PAPER_TABLE

    value = PAPER_TABLE.get((method, task), {}).get(screen)
    return _MISSING if value is None or math.isnan(value) else f"{value:.2f}"


def results_table(results: pd.DataFrame) -> str:
    """The README's results table (Markdown) from a benchmark results table.

    Rows: every PerturbQA screen of the paper (in its order), then any other screen in
    ``results``, each with its DE and Dir rows. Columns: the paper's Summer (LLM) and
    Retrieval (No LLM) per-gene AUROC, then for each track (strict, transfer, zero-shot) the
    highest per-gene AUROC of any pqstats model on the test split, with the model's name.
    A cell that did not run (a screen whose files are missing, a track a model cannot run)
    reads ``–``.

    Parameters
    ----------
    results : pandas.DataFrame
        ``results/benchmark.csv``: at least the columns ``dataset, task, track, model,
        auroc``; rows with a missing ``auroc`` (unavailable cells) are ignored.

    Returns
    -------
    str
        The table, one line per row, ending without a newline.

    Raises
    ------
    ValueError
        A required column is missing.
    """
    from pqstats.report._results import PAPER_TABLE

    required = ["dataset", "task", "track", "model", "auroc"]
    missing = [c for c in required if c not in results.columns]
    if missing:
        raise ValueError(f"the results table lacks the column(s) {missing}; pass "
                         "results/benchmark.csv as pqstats benchmark writes it")
    scored = results.assign(auroc=pd.to_numeric(results["auroc"], errors="coerce"))
    scored = scored.dropna(subset=["auroc"])
    paper_screens = list(dict.fromkeys(s for values in PAPER_TABLE.values() for s in values))
    screens = paper_screens + [s for s in dict.fromkeys(results["dataset"].astype(str))
                               if s not in paper_screens]
    header = ["screen", "task", *PAPER_ROWS.values(), *(f"pqstats {t}" for t in _TRACKS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for screen in screens:
        label = _label(screen)
        for task, task_label in _TASKS.items():
            cells = [label, task_label, *(_paper(m, task, screen) for m in PAPER_ROWS),
                     *(_best(scored, screen, task, t) for t in _TRACKS)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_readme(readme_path: str | os.PathLike, results: pd.DataFrame) -> bool:
    """Replace the README's generated block with :func:`results_table` of ``results``.

    The text between :data:`START` and :data:`END` becomes the table (on lines of its own);
    the rest of the file is kept byte for byte. The file is rewritten atomically, and only
    when the block changes.

    Parameters
    ----------
    readme_path : path-like
        The README to update.
    results : pandas.DataFrame
        ``results/benchmark.csv``.

    Returns
    -------
    bool
        True if the file was rewritten, False if it already held this table.

    Raises
    ------
    ValueError
        The README does not hold exactly one :data:`START` followed by one :data:`END`.
    """
    from pqstats._io import atomic_write_text

    path = Path(readme_path)
    text = path.read_text(encoding="utf-8")
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"{path} must hold one {START} line followed by one {END} line "
                         "around the results table; add them where the table belongs")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    new = f"{head}{START}\n{results_table(results)}\n{END}{tail}"
    if new == text:
        return False
    atomic_write_text(path, new)
    return True


def refresh_readme(results_dir: str | os.PathLike, results: pd.DataFrame) -> Path | None:
    """Update the repository's README when the results folder sits in a checkout of pqstats.

    The README is ``README.md`` in the folder above ``results_dir``, and only one that holds
    the :data:`START` marker is touched (any other README is left alone).

    Returns
    -------
    pathlib.Path or None
        The README if it was rewritten, else None.
    """
    readme = Path(results_dir).resolve().parent / "README.md"
    if not readme.is_file() or START not in readme.read_text(encoding="utf-8"):
        return None
    return readme if update_readme(readme, results) else None
