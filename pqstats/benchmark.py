"""The benchmark matrix: screen x task x track x model.

For each cell the model is fitted on the training split and scored on the test split;
test labels reach only :func:`pqstats.evaluation.evaluate`. The screens are registered
ones (:mod:`pqstats.screens`): the PerturbQA screens and any imported screen. Results
are written by :func:`pqstats.report.write_results` as ``benchmark.csv`` (one row per
cell) and ``benchmark.md`` (tables that put the paper's Table 1 beside ours). Screens
whose files are not available are reported as such.

:func:`make_benchmark` produces the whole benchmark in one call (what ``pqstats benchmark
--curves`` and ``make benchmark`` run): the cells (:func:`run_benchmark`), the oracle
rows, the best cells' comparisons and protocols, the learning curves and the report. The
fits go through the score cache of :mod:`pqstats.fit_cache`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats import models as model_registry
from pqstats._checks import check_int
from pqstats._fetch import DataUnavailableError
from pqstats._progress import tqdm
from pqstats.evaluation import RESULT_COLUMNS, TRACKS, evaluate
from pqstats.fit_cache import cached_fit_predict, cached_scores, fit_predict, model_seeds
from pqstats.report import (
    CORE_VOTING_DE_MEAN,
    PAPER_TABLE,
    SIGNIFICANCE_MARK,
    ablation_markdown,
    results_markdown,
)
from pqstats.screens import (
    TASKS,
    Screen,
    available_screens,
    get_screen,
    list_screens,
    load_pairs,
)

__all__ = [
    "make_benchmark",
    "run_benchmark",
    "ABLATIONS",
    "available_builtin_screens",
    "available_cell_lines",
    "run_ablation",
    # kept importable from here; they live in pqstats.evaluation, pqstats.fit_cache and
    # pqstats.report
    "TRACKS",
    "RESULT_COLUMNS",
    "PAPER_TABLE",
    "CORE_VOTING_DE_MEAN",
    "SIGNIFICANCE_MARK",
    "fit_predict",
    "cached_scores",
    "model_seeds",
    "ablation_markdown",
    "results_markdown",
]

#: Seeds per learned model with a ``random_state`` (the cell is their mean).
DEFAULT_SEEDS = 5



def _cell(model_name: str, dataset: str, task: str, track: str, pairs: pd.DataFrame,
          n_boot: int, cache: bool = True, keep: dict | None = None,
          seeds: int = DEFAULT_SEEDS, memo: dict | None = None) -> dict:
    """One cell: the mean over seeds of the per-gene AUROC, its sd over seeds, and the
    bootstrap interval over genes of the seed-mean per-gene AUROC."""
    if track == "zero-shot" and model_registry.zero_shot_note(model_name) is not None:
        return {"dataset": dataset, "task": task, "track": track, "model": model_name,
                "note": f"cannot run zero-shot: {model_registry.zero_shot_note(model_name)}"}
    from pqstats.evaluation import auroc_by_group, bootstrap_ci

    model = model_registry.get(model_name)  # the one resolution of the name in this cell
    test = pairs[pairs["split"] == "test"]
    chosen = model_seeds(model, seeds)
    per_gene, auprc, seconds = [], [], 0.0
    for seed in chosen:
        params = {"random_state": seed} if len(chosen) > 1 else None
        scores, sec = cached_fit_predict(model_name, dataset, task, track, pairs, cache,
                                         params, memo, model=model)
        if keep is not None and seed == chosen[0]:
            keep[(dataset, task, track, model_name)] = scores
        per_gene.append(auroc_by_group(test, scores))
        auprc.append(evaluate(test, scores, n_boot=0)["auprc"])
        seconds += sec
    mean_gene = pd.concat(per_gene, axis=1).mean(axis=1)
    aurocs = np.array([g.mean() for g in per_gene])
    low, high = bootstrap_ci(mean_gene.to_numpy(), n_boot=n_boot)
    return {"dataset": dataset, "task": task, "track": track, "model": model_name,
            "auroc": float(mean_gene.mean()),
            "auroc_sd": float(aurocs.std(ddof=1)) if len(aurocs) > 1 else 0.0,
            "ci_low": low, "ci_high": high, "auprc": float(np.mean(auprc)),
            "n_genes": int(len(mean_gene)), "n_seeds": len(chosen),
            "seconds": round(seconds, 3), "note": ""}


def _labelled_screens(datasets: Sequence[str | Screen]) -> list[str]:
    """Each screen resolved once (:func:`pqstats.screens.get_screen`), duplicates dropped,
    as registered names; stops before any fit when a screen has no labels to score (a
    genes-only import)."""
    from pqstats.screens import UnlabelledScreenError
    from pqstats.screens.registry import unlabelled_message

    screens = list({s.name: s for s in map(get_screen, datasets)}.values())
    for screen in screens:
        if not screen.labelled:
            raise UnlabelledScreenError(unlabelled_message(
                screen, "labelled test pairs to score"))
    return [s.name for s in screens]


def _screen_cells(dataset: str, tasks: Sequence[str], tracks: Sequence[str],
                  models: Sequence[str], n_boot: int, cache: bool, keep_scores: bool,
                  seeds: int, bar=None) -> tuple[list[dict], dict]:
    """Every cell of one screen: its rows and (when ``keep_scores``) its first-seed scores."""
    rows: list[dict] = []
    kept: dict | None = {} if keep_scores else None
    memo: dict = {}  # every fit of this screen's cells, so a composite reuses its members'
    for task in tasks:
        try:
            pairs = load_pairs(dataset, task)
        except DataUnavailableError as err:
            for track in tracks:
                rows.append({"dataset": dataset, "task": task, "track": track,
                             "model": "", "note": f"unavailable: {err.summary}"})
                if bar is not None:
                    bar.update(len(models))
            continue
        for track in tracks:
            for model_name in models:
                if bar is not None:
                    bar.set_postfix_str(f"{dataset}/{task}/{track}/{model_name}")
                rows.append(_cell(model_name, dataset, task, track, pairs, n_boot, cache,
                                  kept, seeds, memo))
                if bar is not None:
                    bar.update(1)
    return rows, kept or {}


def run_benchmark(
    datasets: Sequence[str] | None = None,
    tasks: Sequence[str] = TASKS,
    models: Sequence[str] | None = None,
    tracks: Sequence[str] = ("strict",),
    n_boot: int = 1000,
    progress: bool = True,
    cache: bool = True,
    scores_out: dict | None = None,
    seeds: int = DEFAULT_SEEDS,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Fit and score every model on every dataset x task x track.

    A model that declares ``random_state`` runs with ``seeds`` seeds and its cell is the
    mean (``auroc_sd``: the standard deviation over seeds; ``ci_low, ci_high``: the
    bootstrap interval over genes of the seed-mean per-gene AUROC; ``seconds``: all
    seeds together); a deterministic model runs once (``n_seeds`` 1, ``auroc_sd`` 0).

    Parameters
    ----------
    datasets : sequence of str, optional
        Registered screens (any spelling :func:`pqstats.screens.get_screen` accepts;
        default: the PerturbQA screens, so that the benchmark's tables mean the same on
        every machine; name an imported screen to run it). A single name may be
        given as a string; unknown names and empty selections raise ``ValueError``.
    tasks, tracks : sequences of str
        Which cells to run (a single name may be given as a string); unknown names and
        empty selections raise ``ValueError``.
    models : sequence of str, optional
        Registered model names (default: every registered model; an empty list is
        refused).
    n_boot : int
        Bootstrap resamples (over genes) for the interval.
    progress : bool
        Show a progress bar over the matrix.
    cache : bool
        Reuse test scores cached under ``data_dir()/cache/benchmark`` when every input
        (model parameters, data, pqstats' code) is unchanged; ``seconds`` then reports
        the original fit.
    scores_out : dict, optional
        When given, filled with ``(dataset, task, track, model) → test scores`` of the
        first seed (in the order of the test rows of :func:`pqstats.screens.load_pairs`),
        e.g. for the ROC curves of :func:`pqstats.report.write_report`.
    seeds : int
        Seeds per model with a ``random_state`` (at least 1).
    n_jobs : int
        Screens run at once, each in its own process (loky); the rows, and every score,
        are the same as with 1 (each cell is fitted exactly as it would be alone). The
        progress bar then moves a screen at a time.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`; an unavailable dataset gives one row per task
        with NaN metrics and the reason in ``note``.
    """
    if models is None:
        models = list(model_registry.available())
    if datasets is None:
        datasets = [s.name for s in list_screens(user=False)]
    datasets, tasks, tracks, models = (
        [x] if isinstance(x, str) else list(x) for x in (datasets, tasks, tracks, models))
    if not datasets:
        raise ValueError("no screen selected: give at least one (`pqstats screen list`; a "
                         "run on nothing would replace the results with nothing)")
    datasets = _labelled_screens(datasets)
    for name, allowed, kind in ((tasks, TASKS, "task"),
                                (tracks, TRACKS, "track"),
                                (models, tuple(model_registry.available()), "model")):
        if not name:
            raise ValueError(f"no {kind} selected: give at least one of {', '.join(allowed)} "
                             "(a run on nothing would replace the results with nothing)")
        unknown = [x for x in name if x not in allowed]
        if unknown:
            raise ValueError(f"unknown {kind}(s) {unknown}; choose from {', '.join(allowed)}")
    n_boot = check_int(n_boot, "n_boot")
    seeds = check_int(seeds, "seeds")
    from pqstats.knowledge.graph import default_graph_sources

    default_graph_sources()  # a bad $PQSTATS_EXCLUDE_SOURCES stops here, before any fit
    n_jobs = check_int(n_jobs, "n_jobs")
    bar = tqdm(total=len(datasets) * len(tasks) * len(tracks) * len(models), desc="benchmark",
               disable=not progress, unit="cell")
    args = (tasks, tracks, models, n_boot, cache, scores_out is not None, seeds)
    if n_jobs == 1 or len(datasets) == 1:
        done = [_screen_cells(d, *args, bar=bar) for d in datasets]
    else:
        from joblib import Parallel, delayed

        from pqstats.features.pairs import load_graph

        load_graph()  # parsed and cached once, not once per worker
        jobs = Parallel(n_jobs=min(n_jobs, len(datasets)), backend="loky",
                        return_as="generator")(
            delayed(_screen_cells)(d, *args) for d in datasets)
        done = []
        for screen_rows, kept in jobs:
            done.append((screen_rows, kept))
            bar.update(len(tasks) * len(tracks) * len(models))
            bar.set_postfix_str(screen_rows[0]["dataset"])
    bar.close()
    rows = [row for screen_rows, _ in done for row in screen_rows]
    if scores_out is not None:
        for _, kept in done:
            scores_out.update(kept)
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


#: The learning curves of the benchmark: one per cell line and task, of this model, at
#: these numbers of the target's training perturbations, with this many draws per size.
CURVE_MODEL = "logistic"
CURVE_SIZES: tuple[int | str, ...] = (0, 30, 100, 300, "all")
CURVE_REPEATS = 2
CURVE_TASKS: tuple[str, ...] = ("dir", "de")


def make_benchmark(
    out: str | os.PathLike = "results",
    datasets: Sequence[str] | None = None,
    tasks: Sequence[str] = TASKS,
    tracks: Sequence[str] = TRACKS,
    models: Sequence[str] | None = None,
    *,
    n_boot: int = 1000,
    seeds: int = DEFAULT_SEEDS,
    n_jobs: int = 1,
    cache: bool = True,
    oracles: bool = True,
    curves: bool = True,
    figures: bool = True,
    progress: bool = True,
) -> tuple[pd.DataFrame, list[Path]]:
    """Produce the whole benchmark in ``out``: what ``make benchmark`` writes to results/.

    In order: every cell fitted and scored (:func:`run_benchmark`, ``benchmark.csv``);
    the oracle headroom rows (:func:`pqstats.oracles.run_oracles`, ``oracles.csv``, never
    benchmark rows); the best cells compared with the next best and scored in other
    papers' protocols (:func:`pqstats.best_cells.write_best_cells`, from the kept test
    scores, no refitting); the learning curves of each available cell line
    (:func:`pqstats.learning_curve.learning_curve`, ``learning_curve/<line>-<task>/``);
    then the report (:func:`pqstats.report.write_results`: ``benchmark.md`` and, with
    ``figures``, the figures), which reads all of these.

    Parameters
    ----------
    out : path-like
        The results folder.
    datasets : sequence of str, optional
        Registered screens (default: the PerturbQA screens); see :func:`run_benchmark`.
    tasks, tracks : sequences of str
        The cells to run (default: both tasks, all three tracks).
    models : sequence of str, optional
        Registered model names (default: every registered model).
    n_boot : int
        Bootstrap resamples over genes (the cells, oracles and comparisons).
    seeds : int
        Seeds per model with a ``random_state``.
    n_jobs : int
        Screens fitted at once, and learning curves drawn at once, one process each (the
        numbers are the same as with 1).
    cache : bool
        Reuse test scores cached for identical fits (:mod:`pqstats.fit_cache`).
    oracles : bool
        Write ``oracles.csv``.
    curves : bool
        Draw the learning curves: :data:`CURVE_MODEL` on each cell line of
        :func:`available_cell_lines` among ``datasets``, for :data:`CURVE_TASKS` among
        ``tasks``, at :data:`CURVE_SIZES` with :data:`CURVE_REPEATS` draws.
    figures : bool
        Draw the figures (False: the tables alone).
    progress : bool
        Show progress bars.

    Returns
    -------
    (pandas.DataFrame, list of pathlib.Path)
        The benchmark rows (:data:`RESULT_COLUMNS`), and the files written: the report's
        (``benchmark.csv``, ``benchmark.md``, figures), the best cells' tables, then the
        learning curves'.
    """
    from pqstats._io import atomic_write_csv
    from pqstats.best_cells import write_best_cells
    from pqstats.report import write_results

    out = Path(out)
    scores: dict = {}
    results = run_benchmark(datasets=datasets, tasks=tasks, models=models, tracks=tracks,
                            n_boot=n_boot, progress=progress, cache=cache, scores_out=scores,
                            seeds=seeds, n_jobs=n_jobs)
    scored = results[results["note"].fillna("") == ""]
    if oracles:  # their own file, read by the report: never benchmark rows
        from pqstats.oracles import run_oracles

        table = run_oracles(list(dict.fromkeys(scored["dataset"])),
                            list(dict.fromkeys(scored["task"])), n_boot=n_boot)
        if not table.empty:
            atomic_write_csv(out / "oracles.csv", table, float_format="%.6g")
    # from the kept scores (or the score cache): no refitting; read by the report
    best_cells = write_best_cells(results, out, scores=scores, n_boot=n_boot)
    curve_paths: list[Path] = []
    if curves:
        ran = set(results["dataset"])
        chosen = [(line, task) for line in available_cell_lines() if line in ran
                  for task in CURVE_TASKS if task in set(results["task"])]
        curve_paths = _learning_curves(chosen, out, cache=cache, figures=figures,
                                       n_jobs=n_jobs)
    paths = write_results(results, out, figures=figures, scores=scores, progress=progress)
    return results, paths + best_cells + curve_paths


def _learning_curve(line: str, task: str, out: Path, cache: bool, figures: bool
                    ) -> list[Path]:
    """One learning curve of :func:`make_benchmark`, written to ``out/learning_curve/``."""
    from pqstats.learning_curve import learning_curve
    from pqstats.report import LEARNING_CURVE_DIR, write_learning_curve

    curve = learning_curve(line, task, CURVE_MODEL, sizes=CURVE_SIZES, repeats=CURVE_REPEATS,
                           cache=cache)
    written = write_learning_curve(curve, out / LEARNING_CURVE_DIR / f"{line}-{task}",
                                   label=f"{line} {task.upper()}, {CURVE_MODEL}",
                                   figure=figures)
    return list(written.values())


def _learning_curves(cells: Sequence[tuple[str, str]], out: Path, cache: bool,
                     figures: bool, n_jobs: int) -> list[Path]:
    """:func:`_learning_curve` of each ``(cell line, task)``, ``n_jobs`` at a time."""
    if n_jobs == 1 or len(cells) <= 1:
        done = [_learning_curve(line, task, out, cache, figures) for line, task in cells]
    else:
        from joblib import Parallel, delayed

        done = Parallel(n_jobs=min(n_jobs, len(cells)))(
            delayed(_learning_curve)(line, task, out, cache, figures) for line, task in cells)
    return [p for paths in done for p in paths]


#: Ablations of the learned models: name → parameters changed from the default.
ABLATIONS: dict[str, dict] = {
    "full model": {},
    "without retrieval (graph relations only)": {"feature_groups": ("graph",)},
    "without graph relations": {"feature_groups": ("retrieval", "ridge")},
    "without gene smoothing": {"gene_weight": 0.0},
    "smoothing over 20 genes, not 100": {"gene_neighbours": 20},
    "without kernel ridge (bilinear) features": {"feature_groups": ("retrieval", "graph")},
    "without GO space": {"spaces": ("ppi", "pathway", "all")},
    "without PPI space": {"spaces": ("go", "pathway", "all")},
    "without pathway space": {"spaces": ("go", "ppi", "all")},
    "without combined space": {"spaces": ("go", "ppi", "pathway")},
    "with SVD embeddings of p and g added": {
        "feature_groups": ("retrieval", "ridge", "graph", "embedding")},
    "with node2vec retrieval space added": {"spaces": ("go", "ppi", "pathway", "all",
                                                       "node2vec")},
}


def available_builtin_screens() -> list[str]:
    """The PerturbQA (built-in) screens whose DE table loads here, in registry order.

    The default screens of the ablation and of model selection (an imported screen never
    changes what they mean; the offline mirror lacks Jurkat).
    """
    builtin = {s.name for s in list_screens(user=False)}
    return [name for name, why in available_screens("de").items()
            if why is None and name in builtin]


def available_cell_lines() -> list[str]:
    """The available built-in screens that read out genes, one per cell line (registry
    order): the lines of the zero-shot selection and of ``make benchmark``'s learning
    curves (Jurkat too where its files are)."""
    return [name for name in available_builtin_screens() if get_screen(name).readout == "genes"]


def run_ablation(
    datasets: Sequence[str] | None = None,
    tasks: Sequence[str] = TASKS,
    model: str = "logistic",
    n_boot: int = 200,
    progress: bool = True,
    ablations: dict[str, dict] | None = None,
) -> pd.DataFrame:
    """Per-gene AUROC of ``model`` (strict track) with each feature group removed.

    ``datasets`` are registered screens (default: every PerturbQA screen whose DE table is
    available here). ``ablations`` (default :data:`ABLATIONS`, which must include
    ``"full model"``) maps a name to the model parameters it changes.

    Returns
    -------
    DataFrame
        ``dataset, task, model, ablation, auroc, ci_low, ci_high, delta`` where ``delta``
        is the change from the full model (negative: the removed part helped).
    """
    ablations = ABLATIONS if ablations is None else ablations
    if datasets is None:
        datasets = available_builtin_screens()
    datasets, tasks = ([x] if isinstance(x, str) else list(x) for x in (datasets, tasks))
    for kind, chosen in (("screen", datasets), ("task", tasks)):
        if not chosen:
            raise ValueError(f"no {kind} selected for the ablation: give at least one "
                             "(a run on nothing would replace ablation.csv with nothing)")
    datasets = _labelled_screens(datasets)
    if "full model" not in ablations:
        raise ValueError("ablations need a 'full model' entry to compare against")
    estimator = model_registry.get(model)  # the one resolution of the model's name
    rows = []
    cells = [(d, t) for d in datasets for t in tasks]
    bar = tqdm(total=len(cells) * len(ablations), desc="ablation", disable=not progress)
    for dataset, task in cells:
        pairs = load_pairs(dataset, task)
        test = pairs[pairs["split"] == "test"]
        for name, params in ablations.items():
            scores, seconds = fit_predict(estimator, dataset, task, "strict", pairs, params)
            m = evaluate(test, scores, n_boot=n_boot)
            rows.append({"dataset": dataset, "task": task, "model": model, "ablation": name,
                         "auroc": m["auroc"], "ci_low": m["ci_low"], "ci_high": m["ci_high"],
                         "seconds": round(seconds, 2)})
            bar.update(1)
    bar.close()
    out = pd.DataFrame(rows)
    full = out[out["ablation"] == "full model"].set_index(["dataset", "task"])["auroc"]
    out["delta"] = out["auroc"] - full.reindex(
        pd.MultiIndex.from_frame(out[["dataset", "task"]])).to_numpy()
    return out
