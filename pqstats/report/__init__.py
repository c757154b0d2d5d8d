"""The benchmark report: figures (PNG) and the Markdown page that shows them.

:func:`write_report` turns a benchmark table (:func:`pqstats.benchmark.run_benchmark`)
into ``benchmark.csv``, ``benchmark.md`` and ``figures/*.png`` inside a results folder.
It also picks up what other steps left in that folder, each only when it is there:

* ``summer.csv`` — rows of the Summer LLM adapter, same columns as ``benchmark.csv``;
  shown in the tables and the bar charts beside the other models (never copied into
  ``benchmark.csv``, which stays the output of ``pqstats benchmark`` alone);
* ``ablation.csv`` (``make ablation``) — the ablation chart;
* ``bench_enrichment.json`` (``make bench``) and ``gse_summary.csv`` (``pqstats gse``) —
  the enrichment speed and accuracy chart;
* ``comparisons.csv`` and ``protocols.csv`` (:mod:`pqstats.best_cells`, written by
  ``pqstats benchmark``) — the best cells marked † when they differ significantly from
  the next-best model, and the best models in other papers' protocols.

Figures
-------
``main_result.png``
    Per-gene AUROC per dataset: the paper's best methods beside pqstats' main model on
    both tracks (95% bootstrap intervals over genes). Bars start at chance (0.5).
``auroc_<dataset>.png``
    Every model on one dataset, both tasks and tracks, with the paper's Table 1 rows.
``roc_curves.png``
    ROC curves of the best strict-track model of each dataset and task, averaged over
    genes the way the metric averages them (vertical averaging of each gene's curve).
``ablation.png``
    Change in per-gene AUROC when each feature group is removed.
``enrichment.png``
    ORA speed against gseapy on identical inputs, and GSE description accuracy.

Every file is written atomically (a temporary file, then a rename) and the PNGs carry no
timestamp, so rerunning on the same inputs gives the same bytes.

Plots use matplotlib's object API (:class:`matplotlib.figure.Figure`), not ``pyplot``:
no global state, no display needed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._io import atomic_write, atomic_write_csv, atomic_write_text

__all__ = [
    "FIGURE_DIR",
    "screen_label",
    "write_results",
    "EXTRA_RESULT_FILES",
    "read_extra_results",
    "knowledge_versions",
    "graph_sources_used",
    "best_models",
    "per_gene_roc",
    "plot_main_result",
    "plot_dataset",
    "plot_roc_curves",
    "plot_ablation",
    "plot_enrichment",
    "report_markdown",
    "significance_marks",
    "comparison_markdown",
    "protocol_markdown",
    "write_report",
]

#: Sub-folder of the results folder that holds the figures.
FIGURE_DIR = "figures"
_TASK_TITLES = {"de": "DE: is gene g differentially expressed?",
                "dir": "Dir: does gene g go up (vs down)?"}
#: Result files of other steps whose rows join the report when present (same columns as
#: ``benchmark.csv``).
EXTRA_RESULT_FILES: tuple[str, ...] = ("summer.csv",)

# Colours: the paper's methods in greys (hatched), ours in colour.
_PAPER_COLOURS = {"GEARS": "#d9d9d9", "GenePT-Prot + LogReg": "#bdbdbd",
                  "Retrieval (No LLM)": "#969696", "Summer (LLM)": "#636363"}
_CORE_COLOUR = "#252525"
_TRACK_COLOURS = {"strict": "#1f77b4", "transfer": "#ff7f0e", "zero-shot": "#2ca02c"}
_EXTRA_COLOUR = "#2ca02c"
# one colour per screen, in the registry's order (the PerturbQA screens first)
_SCREEN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#ff7f0e",
                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_PNG_METADATA = {"Software": None}  # no version string: same inputs, same bytes
_DPI = 110


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


def _screen_colour(name: str) -> str:
    from pqstats.screens import screen_names

    names = screen_names()
    return _SCREEN_COLOURS[(names.index(name) if name in names else len(names))
                           % len(_SCREEN_COLOURS)]


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
        The rows, columns as :data:`pqstats.benchmark.RESULT_COLUMNS` (missing optional
        columns are filled with NaN / ""); empty when no such file exists.

    Raises
    ------
    ValueError
        When a file lacks one of the columns ``dataset, task, track, model, auroc``.
    """
    from pqstats.benchmark import RESULT_COLUMNS

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


# ============================================================================ figures
def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=_DPI, layout="constrained")


def _save(fig, path: Path) -> Path:
    def write(tmp: Path) -> None:
        fig.savefig(tmp, format="png", dpi=_DPI, metadata=_PNG_METADATA)

    return atomic_write(path, write)


def _chance_line(ax, vertical: bool = False) -> None:
    if vertical:
        ax.axvline(0.5, color="black", lw=0.8, ls=":", zorder=1)
    else:
        ax.axhline(0.5, color="black", lw=0.8, ls=":", zorder=1)


def _error(row) -> list[list[float]] | None:
    if pd.isna(row.ci_low) or pd.isna(row.ci_high):
        return None
    return [[max(row.auroc - row.ci_low, 0.0)], [max(row.ci_high - row.auroc, 0.0)]]


def plot_main_result(results: pd.DataFrame, path: str | os.PathLike,
                     model: str | None = None) -> Path | None:
    """The headline figure: the paper's best methods vs pqstats, per dataset and task.

    Parameters
    ----------
    results : DataFrame
        Benchmark rows (``RESULT_COLUMNS``), optionally with extra rows (Summer adapter).
    path : path-like
        Where to write the PNG.
    model : str, optional
        pqstats model to show (default ``ensemble`` when present, else the best mean
        strict-track model).

    Returns
    -------
    pathlib.Path or None
        The written file; None when ``results`` holds no score.
    """
    from pqstats.benchmark import CORE_VOTING_DE_MEAN, PAPER_TABLE
    from pqstats.screens import TASKS

    ok = _ok(results)
    model = model or _main_model(ok)
    if model is None:
        return None
    datasets = _screens_in(ok["dataset"])
    extra_models = _extra_models(results)
    series: list[tuple[str, str, Callable[[str, str], tuple[float, object]]]] = []
    for method in ("Retrieval (No LLM)", "Summer (LLM)"):
        series.append((f"{method}, paper", _PAPER_COLOURS[method],
                       lambda d, t, m=method: (PAPER_TABLE[(m, t)].get(d, np.nan), None)))

    def ours(track: str, name: str):
        def get(d: str, t: str):
            rows = ok[(ok.dataset == d) & (ok.task == t) & (ok.track == track)
                      & (ok.model == name)]
            return (np.nan, None) if rows.empty else (rows.iloc[0].auroc, rows.iloc[0])
        return get

    for name in extra_models:
        series.append((f"{name} (pqstats adapter)", _EXTRA_COLOUR, ours("strict", name)))
    for track in _TRACK_COLOURS:
        if not ok[(ok.track == track) & (ok.model == model)].empty:
            series.append((f"pqstats {model}, {track} track", _TRACK_COLOURS[track],
                           ours(track, model)))
    fig = _figure(11, 4.2)
    axes = fig.subplots(1, len(TASKS), sharey=True)
    width = 0.8 / len(series)
    for ax, task in zip(np.atleast_1d(axes), TASKS, strict=True):
        x = np.arange(len(datasets))
        seen: set[str] = set()
        for i, (label, colour, get) in enumerate(series):
            for j, d in enumerate(datasets):
                value, row = get(d, task)
                if np.isnan(value):
                    continue
                paper = row is None
                ax.bar(x[j] + (i - (len(series) - 1) / 2) * width, value - 0.5, bottom=0.5,
                       width=width, color=colour, edgecolor="black" if paper else colour,
                       lw=0.5, hatch="//" if paper else None,
                       yerr=None if paper else _error(row), capsize=2, ecolor="black",
                       label=None if label in seen else label, zorder=2)
                seen.add(label)
        lines_ = [j for j, d in enumerate(datasets) if _perturbqa_cell_line(d)]
        if task == "de" and lines_:
            ax.hlines(CORE_VOTING_DE_MEAN, lines_[0] - 0.45, lines_[-1] + 0.45,
                      color=_CORE_COLOUR, ls="--", lw=1, zorder=3,
                      label=f"CORE-Voting 2026, mean over 4 cell lines ({CORE_VOTING_DE_MEAN})")
        _chance_line(ax)
        ax.set_xticks(x, [screen_label(d) for d in datasets], rotation=0, fontsize=8)
        ax.set_title(_TASK_TITLES[task], fontsize=10)
        ax.set_ylim(0.45, 0.95)
        ax.grid(axis="y", alpha=0.3, zorder=0)
    np.atleast_1d(axes)[0].set_ylabel("per-gene AUROC (test split)")
    handles, labels = {}, []
    for ax in np.atleast_1d(axes):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    fig.legend([handles[lab] for lab in labels], labels, loc="outside lower center",
               ncol=3, fontsize=8, frameon=False)
    fig.suptitle("Unseen knockdowns: pqstats vs the PerturbQA paper "
                 "(bars from chance = 0.5; whiskers: 95% bootstrap interval over genes)",
                 fontsize=10)
    return _save(fig, Path(path))


def plot_dataset(results: pd.DataFrame, dataset: str, path: str | os.PathLike) -> Path | None:
    """Every model on one dataset, both tasks and tracks, beside the paper's Table 1.

    Horizontal bars start at chance (0.5); whiskers are 95% bootstrap intervals over
    genes; the paper's methods are grey and hatched.

    Returns
    -------
    pathlib.Path or None
        The written file; None when the dataset has no score in ``results``.
    """
    from pqstats.benchmark import CORE_VOTING_DE_MEAN, PAPER_TABLE
    from pqstats.screens import TASKS

    ok = _ok(results)
    ok = ok[ok["dataset"] == dataset]
    if ok.empty:
        return None
    models = _scored_models(ok)
    pq_models = set(models) - set(_extra_models(results))
    paper = [m for (m, t) in PAPER_TABLE if t == "de"]
    n_rows = len(paper) + len(models)
    fig = _figure(11, 1.2 + 0.36 * n_rows)
    axes = fig.subplots(1, len(TASKS), sharey=True)
    labels = [f"{m} (paper)" for m in paper] + models
    y = np.arange(n_rows)[::-1]
    for ax, task in zip(np.atleast_1d(axes), TASKS, strict=True):
        for i, method in enumerate(paper):
            value = PAPER_TABLE[(method, task)].get(dataset, np.nan)
            ax.barh(y[i], value - 0.5, left=0.5, height=0.7, color=_PAPER_COLOURS[method],
                    edgecolor="black", lw=0.5, hatch="//", zorder=2)
            ax.text(max(value, 0.5) + 0.005, y[i], f"{value:.2f}", va="center", fontsize=7)
        for k, name in enumerate(models):
            yy = y[len(paper) + k]
            for track, offset in (("strict", 0.24), ("transfer", 0.0), ("zero-shot", -0.24)):
                rows = ok[(ok.task == task) & (ok.track == track) & (ok.model == name)]
                if rows.empty:
                    continue
                row = rows.iloc[0]
                colour = _TRACK_COLOURS[track] if name in pq_models else _EXTRA_COLOUR
                ax.barh(yy + offset, row.auroc - 0.5, left=0.5, height=0.23, color=colour,
                        xerr=_error(row), capsize=2, ecolor="black", lw=0, zorder=2,
                        alpha=1.0 if track == "strict" else 0.75)
                hi = row.ci_high if pd.notna(row.ci_high) else row.auroc
                ax.text(max(hi, 0.5) + 0.005, yy + offset, f"{row.auroc:.3f}", va="center",
                        fontsize=7)
        if task == "de" and _perturbqa_cell_line(dataset):
            ax.axvline(CORE_VOTING_DE_MEAN, color=_CORE_COLOUR, ls="--", lw=1, zorder=3)
            ax.text(CORE_VOTING_DE_MEAN, y[0] + 0.6, " CORE-Voting\n mean of 4 lines",
                    fontsize=7, va="bottom", ha="left")
        _chance_line(ax, vertical=True)
        ax.set_xlim(0.4, 1.0)
        ax.set_ylim(-0.8, n_rows - 0.2 + 0.8)
        ax.set_title(_TASK_TITLES[task], fontsize=10)
        ax.set_xlabel("per-gene AUROC (bars start at chance, 0.5)")
        ax.grid(axis="x", alpha=0.3, zorder=0)
    first = np.atleast_1d(axes)[0]
    first.set_yticks(y, labels, fontsize=8)
    from matplotlib.patches import Patch

    legend = [Patch(facecolor="#969696", edgecolor="black", hatch="//",
                    label="paper (Wu et al. 2025, Table 1)"),
              Patch(facecolor=_TRACK_COLOURS["strict"], label="pqstats, strict track"),
              Patch(facecolor=_TRACK_COLOURS["transfer"], alpha=0.75,
                    label="pqstats, transfer track"),
              Patch(facecolor=_TRACK_COLOURS["zero-shot"], alpha=0.75,
                    label="pqstats, zero-shot track")]
    if set(models) - pq_models:
        legend.append(Patch(facecolor=_EXTRA_COLOUR, label="Summer adapter (pqstats)"))
    fig.legend(handles=legend, loc="outside lower center", ncol=len(legend), fontsize=8,
               frameon=False)
    fig.suptitle(f"{screen_label(dataset)}: per-gene AUROC on unseen "
                 "knockdowns (whiskers: 95% bootstrap interval over genes)", fontsize=10)
    return _save(fig, Path(path))


def per_gene_roc(test: pd.DataFrame, scores: np.ndarray, grid: int = 101
                 ) -> tuple[np.ndarray, np.ndarray, int]:
    """The ROC curve averaged over genes, as the per-gene AUROC averages them.

    Each gene with both classes gets its own ROC curve over its test perturbations;
    the true-positive rates are interpolated on a common false-positive-rate grid and
    averaged (vertical averaging). The area under the mean curve is the mean of the
    per-gene areas (up to the grid's resolution), i.e. the benchmark metric.

    Parameters
    ----------
    test : DataFrame
        Test pairs with columns ``gene`` and ``label``.
    scores : array of shape (n_pairs,)
        The model's scores of ``test``, in order.
    grid : int
        Points on the false-positive-rate axis.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        False-positive rates, mean true-positive rates, and the number of genes.
    """
    from sklearn.metrics import roc_curve

    fpr_grid = np.linspace(0.0, 1.0, grid)
    y = test["label"].to_numpy()
    s = np.asarray(scores, dtype=float)
    tprs = []
    for idx in pd.Series(np.arange(len(test))).groupby(test["gene"].to_numpy()).indices.values():
        yg = y[idx]
        if yg.min() == yg.max():
            continue
        fpr, tpr, _ = roc_curve(yg, s[idx])
        tprs.append(np.interp(fpr_grid, fpr, tpr))
    if not tprs:
        return fpr_grid, np.full(grid, np.nan), 0
    mean = np.mean(tprs, axis=0)
    mean[0] = 0.0
    return fpr_grid, mean, len(tprs)


def plot_roc_curves(curves: Mapping[tuple[str, str], tuple[str, float, np.ndarray,
                                                              np.ndarray, int]],
                    path: str | os.PathLike, track: str = "strict") -> Path | None:
    """ROC curves of the best model of each dataset, one panel per task.

    Parameters
    ----------
    curves : mapping
        ``(dataset, task) → (model, auroc, fpr, tpr, n_genes)`` with ``fpr, tpr`` from
        :func:`per_gene_roc`.
    path : path-like
        Where to write the PNG.
    track : str
        Named in the title.

    Returns
    -------
    pathlib.Path or None
        The written file; None when ``curves`` is empty.
    """
    from pqstats.screens import TASKS

    if not curves:
        return None
    fig = _figure(10, 4.8)
    axes = fig.subplots(1, len(TASKS), sharey=True)
    for ax, task in zip(np.atleast_1d(axes), TASKS, strict=True):
        for d in _screens_in(d for d, t in curves if t == task):
            model, auroc, fpr, tpr, n_genes = curves[(d, task)]
            ax.plot(fpr, tpr, color=_screen_colour(d), lw=1.6,
                    label=f"{screen_label(d)}: {model}, AUROC {auroc:.3f} ({n_genes} genes)")
        ax.plot([0, 1], [0, 1], color="black", ls=":", lw=0.8, label="chance")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("false-positive rate")
        ax.set_title(_TASK_TITLES[task], fontsize=10)
        ax.legend(loc="lower right", fontsize=7)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("true-positive rate (mean over genes)")
    fig.suptitle(f"ROC curves of the best {track}-track model per dataset "
                 "(each gene's curve over its test knockdowns, averaged over genes)",
                 fontsize=10)
    return _save(fig, Path(path))


def plot_ablation(ablation: pd.DataFrame, path: str | os.PathLike) -> Path | None:
    """What each part of the model contributes: change in per-gene AUROC when removed.

    Parameters
    ----------
    ablation : DataFrame
        :func:`pqstats.benchmark.run_ablation` output (``results/ablation.csv``).
    path : path-like
        Where to write the PNG.

    Returns
    -------
    pathlib.Path or None
        The written file; None when ``ablation`` is empty.
    """
    from pqstats.screens import TASKS

    if ablation.empty:
        return None
    names = [a for a in dict.fromkeys(ablation["ablation"]) if a != "full model"]
    datasets = _screens_in(ablation["dataset"])
    tasks = [t for t in TASKS if t in set(ablation["task"])]
    fig = _figure(11, 1.4 + 0.42 * len(names))
    axes = fig.subplots(1, len(tasks), sharey=True)
    y = np.arange(len(names))[::-1]
    height = 0.8 / max(len(datasets), 1)
    for ax, task in zip(np.atleast_1d(axes), tasks, strict=True):
        sub = ablation[ablation["task"] == task]
        for k, d in enumerate(datasets):
            rows = sub[sub["dataset"] == d].set_index("ablation")
            if rows.empty:
                continue
            full = rows.loc["full model", "auroc"] if "full model" in rows.index else np.nan
            values = rows["delta"].reindex(names).to_numpy(dtype=float)
            ax.barh(y + (len(datasets) - 1) / 2 * height - k * height, values, height=height,
                    color=_screen_colour(d), zorder=2,
                    label=f"{screen_label(d)} (full model {full:.3f})")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(_TASK_TITLES[task], fontsize=10)
        ax.set_xlabel("change in per-gene AUROC (negative: the part helps)")
        ax.grid(axis="x", alpha=0.3, zorder=0)
        ax.legend(fontsize=7, loc="lower left")
    np.atleast_1d(axes)[0].set_yticks(y, names, fontsize=8)
    model = ablation["model"].iloc[0] if "model" in ablation else "model"
    fig.suptitle(f"Ablation of the {model} model (strict track): remove one part, refit, "
                 "rescore the test split", fontsize=10)
    return _save(fig, Path(path))


_GSE_METHOD_LABELS = {"baseline": "paper protocol (top p-value, GO+CORUM+Reactome)",
                      "pvalue": "top p-value, all libraries",
                      "bonferroni": "top per-library Bonferroni",
                      "consensus": "consensus of top terms (chosen on the labels)",
                      "single": "top term of one library (pqstats, chosen held out)"}
_GSE_COLOURS = {"baseline": "#969696", "pvalue": "#9ecae1", "bonferroni": "#4292c6",
                "consensus": "#6baed6", "single": "#08519c"}


def plot_enrichment(bench: Mapping | None, gse_summary: pd.DataFrame | None,
                    path: str | os.PathLike) -> Path | None:
    """Enrichment speed (pqstats ORA vs gseapy) and GSE description accuracy.

    Parameters
    ----------
    bench : mapping, optional
        ``results/bench_enrichment.json`` (``make bench``).
    gse_summary : DataFrame, optional
        ``results/gse_summary.csv`` (``pqstats gse``).
    path : path-like
        Where to write the PNG.

    Returns
    -------
    pathlib.Path or None
        The written file; None when neither input is given.
    """
    panels = (bench is not None) + 2 * (gse_summary is not None and not gse_summary.empty)
    if not panels:
        return None
    fig = _figure(4.2 * panels, 4.2)
    axes = list(np.atleast_1d(fig.subplots(1, panels)))
    if bench is not None:
        ax = axes.pop(0)
        tools = [f"gseapy {bench.get('versions', {}).get('gseapy', '')} enrich\n"
                 "(one call per cluster)", "pqstats ora\n(one call, best of 3)"]
        seconds = [bench["seconds_gseapy"], bench["seconds_pqstats"]]
        ax.barh([1, 0], seconds, color=["#969696", "#08519c"], height=0.6, zorder=2)
        for yy, s in zip([1, 0], seconds, strict=True):
            ax.text(s * 1.08, yy, f"{s:.1f} s", va="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_xlim(min(seconds) / 2, max(seconds) * 6)
        ax.set_yticks([1, 0], tools, fontsize=8)
        ax.set_xlabel("seconds (log scale)")
        same = bench.get("rows_only_pqstats", 0) == 0 and bench.get("rows_only_gseapy", 0) == 0
        ax.set_title(f"ORA speed: {bench['speedup']:.0f}x faster\n"
                     f"{bench['clusters']} clusters x {len(bench.get('libraries', {}))} "
                     f"libraries, {bench['rows_pqstats']:,} rows"
                     + (", identical results" if same else ""), fontsize=9)
        ax.grid(axis="x", alpha=0.3, zorder=0)
    if gse_summary is not None and not gse_summary.empty:
        kinds = [k for k in ("pert", "gene", "all") if k in set(gse_summary["kind"])]
        kind_labels = {"pert": "clusters of\nknockdowns", "gene": "clusters of\nread-out genes",
                       "all": "all"}
        methods = [m for m in _GSE_METHOD_LABELS if m in set(gse_summary["method"])]
        width = 0.8 / max(len(methods), 1)
        for metric, title in (("rouge1_recall", "GSE: ROUGE-1 recall (the paper's score)"),
                              ("minilm_cosine", "GSE: MiniLM cosine to the human label")):
            ax = axes.pop(0)
            x = np.arange(len(kinds))
            for i, m in enumerate(methods):
                values = (gse_summary[gse_summary["method"] == m].set_index("kind")[metric]
                          .reindex(kinds).to_numpy(dtype=float))
                ax.bar(x + (i - (len(methods) - 1) / 2) * width, values, width=width,
                       color=_GSE_COLOURS[m], edgecolor="black" if m == "baseline" else None,
                       hatch="//" if m == "baseline" else None, lw=0.5, zorder=2,
                       label=_GSE_METHOD_LABELS[m])
            n = gse_summary.drop_duplicates("kind").set_index("kind")["n_clusters"]
            ax.set_xticks(x, [f"{kind_labels[k]}\n(n={int(n[k])})" for k in kinds], fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.set_ylim(0, 0.75)
            ax.grid(axis="y", alpha=0.3, zorder=0)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("Enrichment: speed on identical inputs, and how well the top term "
                 "describes a cluster", fontsize=10)
    return _save(fig, Path(path))


# ============================================================================ report
def _roc_inputs(results: pd.DataFrame, scores: Mapping | None, progress: bool,
                track: str = "strict") -> dict:
    """``(dataset, task) → (model, auroc, fpr, tpr, n_genes)`` for the best models.

    Scores come from ``scores`` (``(dataset, task, track, model) → array``, as
    :func:`pqstats.benchmark.run_benchmark` collects them) or else from the benchmark's
    score cache (a cold cache refits the model).
    """
    from pqstats._progress import tqdm
    from pqstats.benchmark import _cached_fit_predict
    from pqstats.screens import load_pairs

    best = best_models(results[~results["model"].isin(_extra_models(results))], track=track)
    ok = _ok(results).set_index(["dataset", "task", "track", "model"])
    curves = {}
    for (d, t), model in tqdm(best.items(), desc="ROC curves", disable=not progress,
                              unit="cell"):
        pairs = load_pairs(d, t)
        test = pairs[pairs["split"] == "test"]
        key = (d, t, track, model)
        if scores is not None and key in scores:
            s = scores[key]
        else:
            s, _ = _cached_fit_predict(model, d, t, track, pairs, cache=True)
        fpr, tpr, n = per_gene_roc(test, s)
        curves[(d, t)] = (model, float(ok.loc[key, "auroc"]), fpr, tpr, n)
    return curves


def _excluded_note() -> str:
    from pqstats.knowledge.graph import DEFAULT_GRAPH_SOURCES

    left_out = [s for s in DEFAULT_GRAPH_SOURCES if s not in graph_sources_used()]
    return (f" **Left out of this run's graph:** {', '.join(left_out)}." if left_out else "")


def _figure_section(title: str, rel: str, caption: str) -> list[str]:
    return [f"### {title}", "", f"![{title}]({rel})", "", caption, ""]


def report_markdown(results: pd.DataFrame, figures: Mapping[str, Path],
                    out: str | os.PathLike, knowledge: pd.DataFrame | None = None,
                    notes: Sequence[str] = (), oracles: pd.DataFrame | None = None,
                    comparisons: pd.DataFrame | None = None,
                    protocols: pd.DataFrame | None = None) -> str:
    """``benchmark.md``: the figures, then every table.

    Parameters
    ----------
    results : DataFrame
        Benchmark rows plus any extra rows (:func:`read_extra_results`).
    figures : mapping
        Figure key → written PNG (keys ``main``, ``dataset:<name>``, ``roc``,
        ``ablation``, ``enrichment``).
    out : path-like
        The results folder; figure links are relative to it.
    knowledge : DataFrame, optional
        :func:`knowledge_versions`.
    notes : sequence of str
        Lines on figures that could not be drawn (input missing).
    oracles : DataFrame, optional
        ``oracles.csv`` (:func:`pqstats.oracles.run_oracles`): its own section.
    comparisons : DataFrame, optional
        ``comparisons.csv`` (:func:`pqstats.best_cells.compare_best`): the best cells that
        differ significantly from the next best are marked, and the tests listed.
    protocols : DataFrame, optional
        ``protocols.csv`` (:func:`pqstats.best_cells.protocol_metrics`): its own section.
    """
    from pqstats.benchmark import results_markdown

    out = Path(out)

    def rel(p: Path) -> str:
        return Path(os.path.relpath(p, out)).as_posix()

    current = _current_comparisons(results, comparisons)
    body = results_markdown(results, marks=significance_marks(current),
                            mark_note=_mark_note(current)).splitlines()
    head, rest = body[:4], body[4:]  # title + intro, then the tables
    lines = [*head]
    if "main" in figures:
        lines += [f"![Per-gene AUROC, pqstats vs the paper]({rel(figures['main'])})", ""]
    extra = _extra_models(results)
    if extra:
        lines += [f"Rows of {', '.join(f'`{m}`' for m in extra)} come from "
                  f"{', '.join(EXTRA_RESULT_FILES)} (the Summer LLM adapter), shown beside "
                  "pqstats' classical models.", ""]
    lines += ["## Figures", ""]
    for key, path in figures.items():
        if key.startswith("dataset:"):
            d = key.split(":", 1)[1]
            lines += _figure_section(
                f"{screen_label(d)}: every model", rel(path),
                "Bars start at chance (0.5); whiskers are 95% bootstrap intervals over "
                "genes; grey hatched bars are the paper's Table 1; the dashed line is "
                "CORE-Voting's DE mean over the four cell lines (not per cell line).")
    if "roc" in figures:
        lines += _figure_section(
            "ROC curves of the best strict-track models", rel(figures["roc"]),
            "For each gene, the ROC curve over its test knockdowns; curves averaged over "
            "genes on a common false-positive-rate grid, so the area is the per-gene "
            "AUROC. The best model of each cell is picked on the test split, so read these "
            "as a picture of the scores, not as a model selection.")
    if "ablation" in figures:
        lines += _figure_section(
            "Ablation", rel(figures["ablation"]),
            "From `ablation.csv` (`make ablation`): each part removed (or added), the "
            "model refitted and the test split rescored; see `ablation.md`.")
    if "enrichment" in figures:
        lines += _figure_section(
            "Enrichment speed and accuracy", rel(figures["enrichment"]),
            "Left: `bench_enrichment.json` (`make bench`). Right: `gse_summary.csv` "
            "(`pqstats gse`); the paper protocol is grey and hatched; see `gse.md`. "
            "pqstats' rule (`single`, the top Reactome term) was chosen without the 77 "
            "labels, on synthetic clusters (`gse_selection.md`); `consensus` was chosen on "
            "the labels and is shown for comparison.")
    lines += _learning_curve_lines(out, rel)
    lines += [f"* {n}" for n in notes] + ([""] if notes else [])
    lines += rest
    if not current.empty:
        lines += ["", *comparison_markdown(current)]
    if protocols is not None and not protocols.empty:
        lines += ["", *protocol_markdown(protocols)]
    if oracles is not None and not oracles.empty:
        lines += ["", *oracle_markdown(results, oracles)]
    if knowledge is not None and not knowledge.empty:
        lines += ["", "## Knowledge behind the models", "",
                  "Versions from the source manifest (`pqstats.knowledge.SOURCES`); the "
                  "files are verified against these checksums before use. "
                  "Non-commercial sources are marked; `PQSTATS_EXCLUDE_SOURCES=corum` "
                  "leaves CORUM out (see the README)."
                  + _excluded_note(),
                  "", "| source | version | licence | what | sha256 |",
                  "|---|---|---|---|---|"]
        for r in knowledge.itertuples():
            flag = (" **(non-commercial)**" if r.non_commercial
                    and "non-commercial" not in r.licence.lower() else "")
            licence = (f"**{r.licence}**" if r.non_commercial else r.licence)
            lines.append(f"| {r.source} | {r.version} | {licence}{flag} | "
                         f"{r.description.replace('|', '/')} | `{r.sha256}` |")
    return "\n".join(lines).rstrip("\n") + "\n"


def _current_comparisons(results: pd.DataFrame,
                         comparisons: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of ``comparisons.csv`` that still hold for ``results``: the same best and
    next-best pqstats model of the cell (a stale file from another run is not shown)."""
    from pqstats.best_cells import COMPARISON_COLUMNS

    if comparisons is None or comparisons.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    own = results[~results["model"].isin(_extra_models(results))]
    ok = _ok(own)
    top = {k: list(g.sort_values("auroc", ascending=False, kind="stable")["model"][:2])
           for k, g in ok.groupby(["dataset", "task", "track"], sort=False)}
    keep = [top.get((r.dataset, r.task, r.track)) == [r.best, r.next_best]
            for r in comparisons.itertuples()]
    return comparisons[keep].reset_index(drop=True)


def significance_marks(comparisons: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """``(dataset, task, track, model)`` of the best cells that differ significantly
    from the next best (``significant`` in ``comparisons.csv``)."""
    if comparisons.empty:
        return set()
    sig = comparisons[comparisons["significant"].astype(str).str.lower() == "true"]
    return {(r.dataset, r.task, r.track, r.best) for r in sig.itertuples()}


def _mark_note(comparisons: pd.DataFrame) -> str:
    level = (float(comparisons["level"].iloc[0]) if not comparisons.empty
             else float("nan"))
    return (f"The best pqstats model of the cell differs from the next best on the same "
            f"test pairs: paired bootstrap over genes and Wilcoxon signed-rank test over "
            f"per-gene AUROCs, both p < {level:g} (first seed's scores; "
            "`comparisons.csv`).")


def comparison_markdown(comparisons: pd.DataFrame) -> list[str]:
    """The section of ``benchmark.md`` listing each best-vs-next-best comparison."""
    from pqstats.benchmark import SIGNIFICANCE_MARK

    level = float(comparisons["level"].iloc[0])
    lines = ["## Best vs next best (paired tests)", "",
             "For each cell, the best pqstats model against the second best on the same "
             "test pairs, from the test scores the benchmark run kept (its first seed; no "
             "refitting). *delta* is the difference of per-gene AUROC with its 95% paired "
             "bootstrap interval over genes; the Wilcoxon signed-rank test is over the "
             f"per-gene AUROCs. {SIGNIFICANCE_MARK}: both p < {level:g} "
             "(`comparisons.csv`, `pqstats.best_cells.compare_best`; "
             "`pqstats compare` runs the same test on two score files).", "",
             "| dataset | task | track | best | next best | delta [95% CI] | bootstrap p | "
             "Wilcoxon p |", "|---|---|---|---|---|---|---|---|"]
    for r in comparisons.itertuples():
        if isinstance(r.note, str) and r.note:
            lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.best} | "
                         f"{r.next_best} | {r.note} | – | – |")
            continue
        mark = SIGNIFICANCE_MARK if str(r.significant).lower() == "true" else ""
        lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.best}{mark} | "
                     f"{r.next_best} | {r.delta:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}] | "
                     f"{r.bootstrap_p:.3g} | {r.wilcoxon_p:.3g} |")
    return lines + [""]


def protocol_markdown(protocols: pd.DataFrame) -> list[str]:
    """The section of ``benchmark.md`` with the best models in other papers' forms."""
    def num(x) -> str:
        return "–" if pd.isna(x) else f"{x:.3f}"

    lines = ["## The best models in other papers' protocols", "",
             "The same test pairs scored in the forms later papers publish, for the best "
             "pqstats model of each screen, task and track (first seed's scores; "
             "`protocols.csv`, `pqstats.best_cells.protocol_metrics`; `pqstats score` "
             "gives them for any score file):", "",
             "* **SynthPert** reports a *pooled AUROC* (one ROC over every test pair; it "
             "rewards a gene's base rate, which per-gene AUROC removes, so it is not "
             "comparable to Table 1) and the *three-class accuracy*;",
             "* **AROMA** reports the *macro-F1* over not DE / down / up (the unweighted "
             "mean of the three classes' F1);",
             "* per-perturbation AUROC and per-gene AUPRC are given beside them.", "",
             "Three classes over the DE test pairs: not DE when the best DE model's "
             "p_de < 0.5, else up when the best Dir model's p_up ≥ 0.5, else down. The "
             "Dir model scores only the truly DE pairs (the Dir task's test pairs); a pair "
             "predicted DE that is not DE is wrong in either direction and is counted as a "
             "false *up* (the column *no Dir score* counts them); accuracy does not "
             "depend on that choice.", "",
             "| dataset | track | task | model | per-gene AUROC | pooled AUROC | "
             "per-pert AUROC | AUPRC | accuracy | macro-F1 | pairs | no Dir score |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in protocols.itertuples():
        if isinstance(r.note, str) and r.note:
            lines.append(f"| {r.dataset} | {r.track} | {r.task} | {r.model} | {r.note} |"
                         + " |" * 7)
            continue
        count = ("–" if pd.isna(r.n_without_direction) else int(r.n_without_direction))
        lines.append(f"| {r.dataset} | {r.track} | {r.task} | {r.model} | {num(r.auroc)} | "
                     f"{num(r.pooled_auroc)} | {num(r.auroc_per_pert)} | {num(r.auprc)} | "
                     f"{num(r.accuracy)} | {num(r.macro_f1)} | "
                     f"{'–' if pd.isna(r.n_pairs) else int(r.n_pairs)} | {count} |")
    return lines + [""]


def oracle_markdown(results: pd.DataFrame, oracles: pd.DataFrame) -> list[str]:
    """The oracle section of ``benchmark.md``: oracle rows apart from the models, and the
    share of the oracle's gain over chance that the best strict-track model reaches."""
    from pqstats.oracles import ORACLES, headroom

    room = headroom(results, oracles)
    lines = ["## Oracle headroom (not models)", "",
             "Oracles read the test labels of the screen they score, by construction: the "
             "scored pair's own label is left out, but the knockdown's other test outcomes "
             "are used. They are no predictions, never registered as models and never "
             "cached as model scores (`oracles.csv`, `pqstats.oracles`). "
             + "; ".join(f"`{k}`: {d}" for k, (_, d) in ORACLES.items()) + ". "
             "*share* = (best strict model − 0.5) / (best oracle − 0.5).", "",
             "| dataset | task | " + " | ".join(f"*oracle* `{k}`" for k in ORACLES)
             + " | best strict model | share of the oracle's gain |",
             "|---|---|" + "---|" * len(ORACLES) + "---|---|"]
    for (d, t), grp in oracles.groupby(["dataset", "task"], sort=False):
        by = grp.set_index("oracle")
        cells = [f"{by.loc[k, 'auroc']:.3f}" if k in by.index else "–" for k in ORACLES]
        r = room[(room["dataset"] == d) & (room["task"] == t)]
        best = (f"{r['best_model'].iloc[0]} {r['model_auroc'].iloc[0]:.3f}" if len(r)
                else "–")
        share = f"{r['share'].iloc[0]:.0%}" if len(r) and pd.notna(r["share"].iloc[0]) else "–"
        lines.append(f"| {d} | {t} | " + " | ".join(cells) + f" | {best} | {share} |")
    return lines + [""]


LEARNING_CURVE_DIR = "learning_curve"


def read_learning_curves(out: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """``out/learning_curve/<name>/learning_curve.csv`` (``make benchmark``), by name."""
    folder = Path(out) / LEARNING_CURVE_DIR
    return {p.parent.name: pd.read_csv(p, dtype={"size": str})
            for p in sorted(folder.glob("*/learning_curve.csv"))}


def _learning_curve_lines(out: Path, rel) -> list[str]:
    from pqstats.learning_curve import size_reaching

    curves = read_learning_curves(out)
    if not curves:
        return []
    lines = ["### Learning curves: from zero-shot to the transfer track", ""]
    if (out / FIGURE_DIR / "learning_curves.png").is_file():
        lines += [f"![Learning curves]({rel(out / FIGURE_DIR / 'learning_curves.png')})", ""]
    lines += ["Per-gene AUROC on the test split against the number of the target's training "
              "perturbations (mean over seeded draws; the whiskers their spread). Size 0 is "
              "the zero-shot track, `all` the strict and transfer tracks. The last column is "
              "the smallest size at which the fit with the other screens reaches 90% of the "
              "full transfer track's gain over chance.", "",
              "| curve | zero-shot | transfer, all | strict, all | 90% of the gain at |",
              "|---|---|---|---|---|"]
    for name, c in curves.items():
        def at(size, track, c=c):
            v = c.loc[(c["size"] == size) & (c["track"] == track), "auroc"]
            return f"{v.mean():.3f}" if len(v) else "–"
        lines.append(f"| {name} | {at('0', 'zero-shot')} | {at('all', 'transfer')} | "
                     f"{at('all', 'strict')} | {size_reaching(c) or '–'} |")
    return lines + [""]


def _check_scored(results: pd.DataFrame, out) -> None:
    """A results table worth writing: at least one scored cell (finite AUROC, no note)."""
    if not isinstance(results, pd.DataFrame):
        raise ValueError(f"results must be a DataFrame, got {type(results).__name__}")
    kept = f"nothing is written and the files in {out} are left as they were"
    if results.empty:
        raise ValueError(f"the results table is empty (a run on nothing): {kept}")
    note = results["note"].fillna("") if "note" in results else pd.Series("", results.index)
    auroc = pd.to_numeric(results.get("auroc", pd.Series(np.nan, results.index)),
                          errors="coerce")
    if not ((note == "") & np.isfinite(auroc)).any():
        raise ValueError(f"none of the {len(results)} result rows is a scored cell "
                         f"(e.g. {str(note.iloc[0]) or 'no AUROC'}): {kept}")


def write_report(results: pd.DataFrame, out: str | os.PathLike = "results",
                 scores: Mapping | None = None, figures: bool = True, roc: bool = True,
                 progress: bool = False) -> list[Path]:
    """Write ``benchmark.csv``, the figures and ``benchmark.md`` into ``out``.

    Parameters
    ----------
    results : DataFrame
        :func:`pqstats.benchmark.run_benchmark` output; written to ``benchmark.csv``
        as it is.
    out : path-like
        The results folder; figures go to ``out/figures``. Extra rows
        (:data:`EXTRA_RESULT_FILES`), ``ablation.csv``, ``bench_enrichment.json`` and
        ``gse_summary.csv`` are read from it when present.
    scores : mapping, optional
        ``(dataset, task, track, model) → test scores`` for the ROC curves; missing ones
        are read from the benchmark's score cache.
    figures : bool
        Draw the figures (False: only the CSV and the tables).
    roc : bool
        Draw the ROC curves (needs the test scores).
    progress : bool
        Progress bar while the ROC curves are computed.

    Returns
    -------
    list of pathlib.Path
        ``benchmark.csv``, ``benchmark.md``, then each figure written.

    Raises
    ------
    ValueError
        ``results`` holds no scored cell (empty, or every row unavailable): nothing is
        written.
    """
    from pqstats.benchmark import RESULT_COLUMNS

    _check_scored(results, out)
    out = Path(out)
    csv = atomic_write_csv(out / "benchmark.csv", results.reindex(columns=RESULT_COLUMNS),
                           float_format="%.6g")
    extra = read_extra_results(out)
    combined = (pd.concat([results, extra], ignore_index=True) if not extra.empty
                else results.copy())
    combined.attrs["pqstats_models"] = _scored_models(results)
    written: dict[str, Path] = {}
    notes: list[str] = []
    if figures:
        fig_dir = out / FIGURE_DIR
        main = plot_main_result(combined, fig_dir / "main_result.png")
        if main:
            written["main"] = main
        for d in _screens_in(combined["dataset"]):
            p = plot_dataset(combined, d, fig_dir / f"auroc_{d}.png")
            if p:
                written[f"dataset:{d}"] = p
        if roc:
            curves = _roc_inputs(combined, scores, progress)
            p = plot_roc_curves(curves, fig_dir / "roc_curves.png")
            if p:
                written["roc"] = p
        if (out / "ablation.csv").is_file():
            p = plot_ablation(pd.read_csv(out / "ablation.csv"), fig_dir / "ablation.png")
            if p:
                written["ablation"] = p
        else:
            notes.append("No ablation chart: `ablation.csv` is not here (run `make ablation`).")
        curves = read_learning_curves(out)
        if curves:
            from pqstats.learning_curve import plot_learning_curve

            written["learning"] = plot_learning_curve(
                curves, fig_dir / "learning_curves.png",
                title="Learning curves (per-gene AUROC, test split)")
        bench = (json.loads((out / "bench_enrichment.json").read_text(encoding="utf-8"))
                 if (out / "bench_enrichment.json").is_file() else None)
        gse = (pd.read_csv(out / "gse_summary.csv") if (out / "gse_summary.csv").is_file()
               else None)
        p = plot_enrichment(bench, gse, fig_dir / "enrichment.png")
        if p:
            written["enrichment"] = p
        else:
            notes.append("No enrichment chart: neither `bench_enrichment.json` (`make bench`) "
                         "nor `gse_summary.csv` (`pqstats gse`) is here.")
    from pqstats.best_cells import COMPARISONS_FILE, PROTOCOLS_FILE

    side = {name: (pd.read_csv(out / name) if (out / name).is_file() else None)
            for name in ("oracles.csv", COMPARISONS_FILE, PROTOCOLS_FILE)}
    md = atomic_write_text(out / "benchmark.md", report_markdown(
        combined, written, out, knowledge=knowledge_versions(), notes=notes,
        oracles=side["oracles.csv"], comparisons=side[COMPARISONS_FILE],
        protocols=side[PROTOCOLS_FILE]))
    return [csv, md, *written.values()]


def write_results(results: pd.DataFrame, out: str | os.PathLike = "results",
                  figures: bool = False, scores: Mapping | None = None,
                  progress: bool = False) -> list[Path]:
    """Write ``benchmark.csv`` and ``benchmark.md`` (and, with ``figures``, the figures
    and ROC curves) into ``out``: :func:`write_report` with ``roc=figures``.

    Every file is written atomically. A table with no scored cell (empty, or every row
    unavailable) is refused with ``ValueError`` and nothing is written, so a run that did
    nothing never replaces earlier results.

    Returns
    -------
    list of pathlib.Path
        ``benchmark.csv``, ``benchmark.md``, then each figure.
    """
    return write_report(results, out, scores=scores, figures=figures, roc=figures,
                        progress=progress)
