"""Every figure of the report (matplotlib's object API, no ``pyplot`` global state except
where noted): the main result, each screen's models, the ROC curves, the ablation, the
enrichment chart and the learning curves. Each function takes DataFrames and writes one
PNG atomically; the PNGs carry no timestamp, so the same inputs give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._io import atomic_write
from pqstats.report._results import (
    _TASK_TITLES,
    CORE_VOTING_DE_MEAN,
    PAPER_TABLE,
    _extra_models,
    _main_model,
    _ok,
    _perturbqa_cell_line,
    _scored_models,
    _screens_in,
    screen_label,
)
from pqstats.screens import TASKS

__all__ = ["per_gene_roc", "plot_main_result", "plot_dataset", "plot_roc_curves",
           "plot_ablation", "plot_enrichment", "plot_learning_curve", "plot_reliability"]

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


def _screen_colour(name: str) -> str:
    from pqstats.screens import screen_names

    names = screen_names()
    return _SCREEN_COLOURS[(names.index(name) if name in names else len(names))
                           % len(_SCREEN_COLOURS)]


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
        :func:`pqstats.benchmark.run_ablation` output (``ablation.csv``, ``make ablation``).
    path : path-like
        Where to write the PNG.

    Returns
    -------
    pathlib.Path or None
        The written file; None when ``ablation`` is empty.
    """

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
                      "consensus": "consensus of top terms (pqstats' default, nested CV)",
                      "single": "top term of one library (Reactome)"}
_GSE_COLOURS = {"baseline": "#969696", "pvalue": "#9ecae1", "bonferroni": "#4292c6",
                "consensus": "#08519c", "single": "#6baed6"}


def plot_enrichment(bench: Mapping | None, gse_summary: pd.DataFrame | None,
                    path: str | os.PathLike) -> Path | None:
    """Enrichment speed (pqstats ORA vs gseapy) and GSE description accuracy.

    Parameters
    ----------
    bench : mapping, optional
        ``bench_enrichment.json`` (``make bench``).
    gse_summary : DataFrame, optional
        ``gse_summary.csv`` (``pqstats gse``).
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
            if metric not in gse_summary.columns:  # `pqstats gse --no-semantic`
                ax.set_axis_off()
                ax.set_title(f"{title}\n(not computed: run `pqstats gse` with the text extra)",
                             fontsize=9)
                continue
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
            drawn = ax
        drawn.legend(fontsize=7, loc="upper right")
    fig.suptitle("Enrichment: speed on identical inputs, and how well the top term "
                 "describes a cluster", fontsize=10)
    return _save(fig, Path(path))


def plot_learning_curve(curves: dict[str, pd.DataFrame], path: str | Path, title: str = ""
                        ) -> Path:
    """One panel per curve (``label → curve``): AUROC by size, strict and transfer means
    over repeats with their spread, the zero-shot point at 0."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = max(len(curves), 1)
    ncols = min(n, 3)  # rows of three panels
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.2 * nrows),
                             squeeze=False, sharey=True)
    for ax in axes.flat[len(curves):]:
        ax.set_visible(False)
    colours = {"strict": "#4c72b0", "transfer": "#dd8452", "zero-shot": "#55a868"}
    for ax, (label, curve) in zip(axes.flat, curves.items(), strict=False):
        sizes = [s for s in dict.fromkeys(curve["size"].astype(str))]
        n_all = None
        xs = {s: (int(s) if s != "all" else None) for s in sizes}
        finite = [v for v in xs.values() if v is not None]
        n_all = max(finite + [1]) * 3
        xs = {s: (v if v is not None else n_all) for s, v in xs.items()}
        for track in ("strict", "transfer"):
            part = curve[curve["track"].isin([track] + (["zero-shot"] if track == "transfer"
                                                         else []))]
            g = part.groupby(part["size"].astype(str), sort=False)["auroc"]
            mean, sd = g.mean(), g.std().fillna(0.0)
            x = [xs[s] for s in mean.index]
            ax.errorbar(x, mean.to_numpy(), yerr=sd.to_numpy(), marker="o", ms=4, capsize=2,
                        color=colours[track], label=track)
        zs = curve[curve["track"] == "zero-shot"]
        if not zs.empty:
            ax.plot([0], [zs["auroc"].iloc[0]], marker="*", ms=11, color=colours["zero-shot"],
                    ls="none", label="zero-shot")
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xticks(list(xs.values()), [s for s in xs], fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("target training perturbations")
    for row in axes:
        row[0].set_ylabel("per-gene AUROC (test)")
    axes[0][0].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return path


def plot_reliability(tables: dict[str, pd.DataFrame], path: str | os.PathLike,
                     title: str = "Reliability (15 equal-mass bins, test pairs)") -> Path:
    """Draw reliability curves and write the figure atomically.

    Parameters
    ----------
    tables : dict
        Curve label → a :func:`pqstats.calibration.reliability_table` result.
    path : path-like
        Where to write (PNG, SVG or PDF by the suffix).
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not tables:
        raise ValueError("no reliability table to draw; pass {label: reliability_table(...)}")
    for label, table in tables.items():
        missing = {"mean_predicted", "observed_rate"} - set(table.columns)
        if missing:
            raise ValueError(f"{label!r}: not a reliability table (missing {sorted(missing)}); "
                             "make it with pqstats.calibration.reliability_table")
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    for label, table in tables.items():
        ax.plot(table["mean_predicted"], table["observed_rate"], marker="o", ms=3, label=label)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean predicted probability",
           ylabel="observed rate", title=title)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    suffix = Path(path).suffix.lstrip(".") or "png"
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format=suffix, dpi=120))
    finally:
        plt.close(fig)
