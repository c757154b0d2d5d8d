"""What the report reads: result tables, the rows of other steps, the knowledge behind the
models, the paper's numbers, and which model is best where. No rendering here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pqstats.evaluation import RESULT_COLUMNS

#: Sub-folder of the results folder that holds the figures.
FIGURE_DIR = "figures"
_TASK_TITLES = {"de": "DE: is gene g differentially expressed?",
                "dir": "Dir: does gene g go up (vs down)?"}
#: Result files of other steps whose rows join the report when present (same columns as
#: ``benchmark.csv``).
EXTRA_RESULT_FILES: tuple[str, ...] = ("summer.csv",)

#: Per-gene AUROC of the paper's methods (Wu et al. 2025, Table 1), by PerturbQA screen.
PAPER_TABLE: dict[tuple[str, str], dict[str, float]] = {
    (method, task): dict(zip(("k562", "rpe1", "hepg2", "jurkat", "k562_set"), values, strict=True))
    for (method, task), values in {
        ("GEARS", "de"): (.55, .49, .48, .51, .50),
        ("GEARS", "dir"): (.67, .61, .52, .52, .70),
        ("GenePT-Prot + LogReg", "de"): (.59, .56, .54, .55, .59),
        ("GenePT-Prot + LogReg", "dir"): (.55, .61, .55, .60, .57),
        ("Retrieval (No LLM)", "de"): (.58, .59, .56, .56, .66),
        ("Retrieval (No LLM)", "dir"): (.69, .63, .64, .61, .66),
        ("Summer (LLM)", "de"): (.62, .59, .62, .59, .62),
        ("Summer (LLM)", "dir"): (.64, .64, .66, .67, .70),
    }.items()
}
#: CORE-Voting (2026): mean DE per-gene AUROC over the four cell lines.
CORE_VOTING_DE_MEAN = 0.703

#: The mark of a best cell that differs significantly from the next-best model.
SIGNIFICANCE_MARK = "†"


# ============================================================================ screens
def _screens_in(names) -> list[str]:
    """The screens among ``names``, in the registry's order; unregistered ones (rows of a
    screen removed since) last, as given."""
    from pqstats.screens import list_screens

    present = list(dict.fromkeys(names))
    ordered = [s.name for s in list_screens() if s.name in present]
    return ordered + [d for d in present if d not in ordered]


def screen_label(name: str) -> str:
    """How a screen is named on figures and in the report (its registered label)."""
    from pqstats.screens import DatasetError, get_screen

    try:
        return get_screen(name).label
    except DatasetError:  # a screen no longer registered: its name
        return str(name)


def _perturbqa_cell_line(name: str) -> bool:
    """A PerturbQA screen of single genes: what CORE-Voting's four-line mean covers."""
    from pqstats.screens import builtin_screens

    return any(s.name == name and s.readout == "genes" for s in builtin_screens())

# ============================================================================ inputs
def read_extra_results(out: str | os.PathLike) -> pd.DataFrame:
    """Rows of :data:`EXTRA_RESULT_FILES` found in ``out`` (e.g. ``summer.csv``).

    Parameters
    ----------
    out : path-like
        The results folder.

    Returns
    -------
    pandas.DataFrame
        The rows, columns as :data:`pqstats.evaluation.RESULT_COLUMNS` (missing optional
        columns are filled with NaN / ""); empty when no such file exists.

    Raises
    ------
    ValueError
        When a file lacks one of the columns ``dataset, task, track, model, auroc``.
    """
    frames = []
    for name in EXTRA_RESULT_FILES:
        path = Path(out) / name
        if not path.is_file():
            continue
        table = pd.read_csv(path)
        missing = {"dataset", "task", "track", "model", "auroc"} - set(table.columns)
        if missing:
            raise ValueError(f"{path} lacks column(s) {sorted(missing)}; it needs the "
                             f"columns of benchmark.csv: {','.join(RESULT_COLUMNS)}")
        frames.append(table.reindex(columns=RESULT_COLUMNS))
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    extra = pd.concat(frames, ignore_index=True)
    extra["note"] = extra["note"].fillna("")
    return extra


def graph_sources_used() -> tuple[str, ...]:
    """The knowledge-graph sources the models use by default, in manifest order.

    :data:`pqstats.knowledge.DEFAULT_GRAPH_SOURCES` less any named in
    ``PQSTATS_EXCLUDE_SOURCES`` (e.g. ``corum``).
    """
    from pqstats.knowledge.graph import default_graph_sources

    return default_graph_sources()


def knowledge_versions(sources: Sequence[str] | None = None) -> pd.DataFrame:
    """Version, licence and checksum of each knowledge source behind the models.

    Parameters
    ----------
    sources : sequence of str, optional
        Keys of :data:`pqstats.knowledge.SOURCES`; by default the graph sources the
        models use (:func:`graph_sources_used`) plus the gene annotations they need
        (``gene_info`` for symbols, ``gene2go`` for GO).

    Returns
    -------
    pandas.DataFrame
        ``source, description, version, licence, non_commercial, sha256`` (first 12
        hex digits of each file, ``+``-joined), from the source manifest.
    """
    from pqstats.knowledge import SOURCES
    from pqstats.knowledge.graph import files_read_by

    if sources is None:
        sources = files_read_by(graph_sources_used())
    rows = []
    for name in dict.fromkeys(sources):
        src = SOURCES[name]
        rows.append({"source": name, "description": src.description, "version": src.version,
                     "licence": src.licence, "non_commercial": src.non_commercial,
                     "sha256": "+".join(s[:12] for s in src.sha256)})
    return pd.DataFrame(rows)


def _ok(results: pd.DataFrame) -> pd.DataFrame:
    """Rows with a score (unavailable datasets and failed cells left out)."""
    if results.empty:
        return results
    return results[(results["note"].fillna("") == "") & results["auroc"].notna()]


def _scored_models(results: pd.DataFrame) -> list[str]:
    """Names of the models that have rows (blank names of unavailable cells left out)."""
    return [m for m in dict.fromkeys(results["model"].dropna()) if m]


def _extra_models(results: pd.DataFrame) -> list[str]:
    """Models whose rows came from :data:`EXTRA_RESULT_FILES`, not from pqstats' matrix.

    :func:`write_report` records pqstats' own models in ``results.attrs["pqstats_models"]``;
    without that record every model counts as pqstats'.
    """
    own = set(results.attrs.get("pqstats_models", _scored_models(results)))
    return [m for m in _scored_models(results) if m not in own]


def _main_model(results: pd.DataFrame, preferred: str = "ensemble") -> str | None:
    """The model shown in the headline figure: ``preferred`` if present, else the best
    mean strict-track AUROC over all cells."""
    ok = _ok(results)
    if ok.empty:
        return None
    if preferred in set(ok["model"]):
        return preferred
    strict = ok[ok["track"] == "strict"]
    pool = strict if not strict.empty else ok
    return str(pool.groupby("model")["auroc"].mean().idxmax())


def best_models(results: pd.DataFrame, track: str = "strict") -> dict[tuple[str, str], str]:
    """The best model (highest per-gene AUROC) of each dataset and task on ``track``.

    Returns
    -------
    dict
        ``(dataset, task) → model``.
    """
    ok = _ok(results)
    ok = ok[ok["track"] == track]
    if ok.empty:
        return {}
    idx = ok.groupby(["dataset", "task"], sort=False)["auroc"].idxmax()
    return {(r.dataset, r.task): r.model for r in ok.loc[idx].itertuples()}


LEARNING_CURVE_DIR = "learning_curve"


def read_learning_curves(out: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """``out/learning_curve/<name>/learning_curve.csv`` (``make benchmark``), by name."""
    folder = Path(out) / LEARNING_CURVE_DIR
    return {p.parent.name: pd.read_csv(p, dtype={"size": str})
            for p in sorted(folder.glob("*/learning_curve.csv"))}
