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

The package holds all of pqstats' rendering and fits nothing (missing test scores are read
from the score cache, :func:`pqstats.fit_cache.cached_scores`):

* :mod:`~pqstats.report.tables` — every markdown table, and ``benchmark.md``;
* :mod:`~pqstats.report.figures` — every figure, the learning curves' included;
* this module — :func:`write_report`, :func:`write_results` and
  :func:`write_learning_curve`, which read the results folder and write the files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._io import atomic_write, atomic_write_csv, atomic_write_text
from pqstats.report._results import (
    CORE_VOTING_DE_MEAN,
    EXTRA_RESULT_FILES,
    FIGURE_DIR,
    LEARNING_CURVE_DIR,
    PAPER_TABLE,
    SIGNIFICANCE_MARK,
    _extra_models,
    _ok,
    _scored_models,
    _screens_in,
    best_models,
    graph_sources_used,
    knowledge_versions,
    read_extra_results,
    read_learning_curves,
    screen_label,
)
from pqstats.report.figures import (
    per_gene_roc,
    plot_ablation,
    plot_dataset,
    plot_enrichment,
    plot_learning_curve,
    plot_main_result,
    plot_roc_curves,
)
from pqstats.report.tables import (
    ablation_markdown,
    comparison_markdown,
    oracle_markdown,
    protocol_markdown,
    report_markdown,
    results_markdown,
    significance_marks,
)

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
    "plot_learning_curve",
    "report_markdown",
    "results_markdown",
    "ablation_markdown",
    "oracle_markdown",
    "significance_marks",
    "comparison_markdown",
    "protocol_markdown",
    "write_learning_curve",
    "write_report",
    "PAPER_TABLE",
    "CORE_VOTING_DE_MEAN",
    "SIGNIFICANCE_MARK",
    "LEARNING_CURVE_DIR",
    "read_learning_curves",
]


# ============================================================================ report
def _roc_inputs(results: pd.DataFrame, scores: Mapping | None, progress: bool,
                track: str = "strict") -> tuple[dict, list[str]]:
    """``(dataset, task) → (model, auroc, fpr, tpr, n_genes)`` for the best models, and a
    note for each best model whose test scores are neither given nor cached.

    Scores come from ``scores`` (``(dataset, task, track, model) → array``, as
    :func:`pqstats.benchmark.run_benchmark` collects them) or else from the benchmark's
    score cache (:func:`pqstats.fit_cache.cached_scores`); the report never fits.
    """
    from pqstats._progress import tqdm
    from pqstats.fit_cache import cached_scores
    from pqstats.screens import load_pairs

    best = best_models(results[~results["model"].isin(_extra_models(results))], track=track)
    ok = _ok(results).set_index(["dataset", "task", "track", "model"])
    curves, missing = {}, []
    for (d, t), model in tqdm(best.items(), desc="ROC curves", disable=not progress,
                              unit="cell"):
        pairs = load_pairs(d, t)
        test = pairs[pairs["split"] == "test"]
        key = (d, t, track, model)
        if scores is not None and key in scores:
            s = scores[key]
        else:
            s = cached_scores(model, d, t, track, pairs)
            if s is None:
                missing.append(f"{d} {t.upper()} {model}")
                continue
        fpr, tpr, n = per_gene_roc(test, s)
        curves[(d, t)] = (model, float(ok.loc[key, "auroc"]), fpr, tpr, n)
    notes = ([f"No ROC curve of {', '.join(missing)}: its test scores are not in the score "
              "cache (rerun `pqstats benchmark`; a warm rerun only re-scores)."]
             if missing else [])
    return curves, notes


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
    from pqstats.evaluation import RESULT_COLUMNS

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
            curves, missing = _roc_inputs(combined, scores, progress)
            notes += missing
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


def write_learning_curve(curve: pd.DataFrame, out: str | os.PathLike, label: str = "",
                         figure: bool = True) -> dict[str, Path]:
    """Write ``out/learning_curve.csv`` and (with ``figure``) ``out/learning_curve.png``.

    Parameters
    ----------
    curve : DataFrame
        :func:`pqstats.learning_curve.learning_curve` output.
    out : path-like
        The folder of this curve.
    label : str
        The panel's title (default ``"learning curve"``).
    figure : bool
        Draw the PNG too.

    Returns
    -------
    dict
        ``{"csv": path, "figure": path}`` (no ``figure`` without one).
    """
    from pqstats.learning_curve import CURVE_COLUMNS

    out = Path(out)
    csv = out / "learning_curve.csv"
    atomic_write(csv, lambda tmp: curve[CURVE_COLUMNS].to_csv(tmp, index=False))
    if not figure:
        return {"csv": csv}
    png = plot_learning_curve({label or "learning curve": curve}, out / "learning_curve.png")
    return {"csv": csv, "figure": png}
