"""The benchmark matrix: screen x task x track x model.

For each cell the model is fitted on the training split and scored on the test split;
test labels reach only :func:`pqstats.evaluation.evaluate`. The screens are registered
ones (:mod:`pqstats.screens`): the PerturbQA screens and any imported screen. Results
are written by :func:`pqstats.report.write_results` as ``benchmark.csv`` (one row per
cell) and ``benchmark.md`` (tables that put the paper's Table 1 beside ours). Screens
whose files are not available are reported as such.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats import models as model_registry
from pqstats._checks import check_int
from pqstats._choices import TRACKS
from pqstats._fetch import DataUnavailableError
from pqstats._io import atomic_write
from pqstats._progress import tqdm
from pqstats.evaluation import evaluate
from pqstats.screens import (
    TASKS,
    available_screens,
    builtin_screens,
    list_screens,
    load_pairs,
    resolve_screen,
)

__all__ = [
    "TRACKS",
    "RESULT_COLUMNS",
    "PAPER_TABLE",
    "CORE_VOTING_DE_MEAN",
    "fit_predict",
    "cached_scores",
    "run_benchmark",
    "ABLATIONS",
    "available_builtin_screens",
    "available_cell_lines",
    "run_ablation",
    "ablation_markdown",
    "results_markdown",
    "SIGNIFICANCE_MARK",
]

RESULT_COLUMNS = [
    "dataset", "task", "track", "model", "auroc", "auroc_sd", "ci_low", "ci_high", "auprc",
    "n_genes", "n_seeds", "seconds", "note",
]
#: Seeds per learned model with a ``random_state`` (the cell is their mean).
DEFAULT_SEEDS = 5

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


def fit_predict(model_name: str, dataset: str, task: str, track: str,
                pairs: pd.DataFrame, params: dict | None = None) -> tuple[np.ndarray, float]:
    """Fit a registered model on the training split and score the test split.

    Only the training rows' labels reach the model; the test rows are passed as
    ``pert, gene`` alone. On the zero-shot track no row of ``pairs`` reaches the fit
    (the model learns from other screens' training splits only).

    Returns
    -------
    (numpy.ndarray, float)
        Scores of the test rows (in their order in ``pairs``) and the seconds taken.
    """
    model = model_registry.get_for(model_name, dataset, task, track, **(params or {}))
    train = pairs[pairs["split"] == "train"]
    if track == "zero-shot":
        train = train.iloc[:0]
    test = pairs.loc[pairs["split"] == "test", ["pert", "gene"]]
    start = time.perf_counter()
    model.fit(train[["pert", "gene"]], train["label"].to_numpy())
    scores = model.score_pairs(test)
    return scores, time.perf_counter() - start


# The code that decides a test score: the models, their features, the knowledge graph and
# the data loaders. Reporting, enrichment, the CLI and the LLM adapter are left out, so
# working on them keeps the cached scores.
_SCORING_CODE = ("models.py", "_estimators.py", "_boosting.py", "screens", "_sentence.py",
                 "features", "knowledge", "_choices.py")


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """sha256 over the source that decides a test score, plus :func:`fit_predict` itself.

    Any change to the models, features, knowledge graph or data loaders invalidates the
    cached scores. Computed once per process: it stands for the code this process imported.
    """
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(inspect.getsource(fit_predict).encode())
    paths = []
    for entry in _SCORING_CODE:
        target = root / entry
        paths += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _knowledge_key() -> dict:
    """What a cache key must add about the knowledge graph: ``{}`` for the default graph
    from the verified bundle; else the graph's sources (``PQSTATS_EXCLUDE_SOURCES``) and,
    for your own files (``PQSTATS_KNOWLEDGE_DIR``), their checksums.

    Keys of the default graph stay as they were; anything cached from a model fitted on
    the graph (scores, fitted models) should merge this into its key.
    """
    from pqstats.knowledge._cache import file_sha256
    from pqstats.knowledge.graph import (
        DEFAULT_GRAPH_SOURCES,
        default_bundle_dir,
        default_graph_sources,
        files_read_by,
    )
    from pqstats.knowledge.sources import source_files

    sources = default_graph_sources()
    key: dict = {} if sources == DEFAULT_GRAPH_SOURCES else {"graph_sources": list(sources)}
    folder = default_bundle_dir()
    if folder is not None:
        needed = sorted(files_read_by(sources))
        key["knowledge_files"] = {s: [file_sha256(p) for p in source_files(s, folder)]
                                  for s in needed}
    return key


def fit_cache_key(model_name: str, params: dict, cell: Sequence[str],
                  pairs: pd.DataFrame) -> str:
    """Key of anything cached from fitting a model: every input that decides the fit.

    The model's name and parameters, the cell (screen, task, track), a hash of ``pairs``
    (labels included), :func:`_source_digest` and :func:`_knowledge_key`; on the transfer
    track also the other screens that feed it, with their tables' checksums
    (:func:`pqstats.features.transfer.transfer_fingerprint`), so importing or removing a
    screen refits what it changes; on the zero-shot track the target's labels are left
    out of the hash (they decide nothing there).
    """
    if cell[2] == "zero-shot":  # no label of the target decides a zero-shot fit
        pairs = pairs[[c for c in ("pert", "gene", "split") if c in pairs.columns]]
    content = pd.util.hash_pandas_object(pairs, index=False).to_numpy()
    parts = {"model": model_name, "params": params, "cell": list(cell),
             "pairs": hashlib.sha256(content.tobytes()).hexdigest(), "code": _source_digest(),
             **_knowledge_key()}
    if cell[2] in ("transfer", "zero-shot"):
        from pqstats.features.transfer import transfer_fingerprint

        parts["transfer_sources"] = transfer_fingerprint(cell[0], cell[1])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def _score_cache_path(model_name: str, dataset: str, task: str, track: str,
                      pairs: pd.DataFrame, params: dict | None = None) -> Path:
    """Where :func:`_cached_fit_predict` keeps the test scores of one fit."""
    from pqstats._fetch import data_dir

    full = model_registry.get(model_name, **(params or {})).get_params()
    key = fit_cache_key(model_name, full, (dataset, task, track), pairs)
    return data_dir() / "cache" / "benchmark" / f"{key}.npz"


def cached_scores(model_name: str, dataset: str, task: str, track: str,
                  pairs: pd.DataFrame) -> np.ndarray | None:
    """The cached test scores of a benchmark cell's first seed, or None; never fits.

    Parameters
    ----------
    model_name, dataset, task, track : str
        The cell, as in :func:`run_benchmark`.
    pairs : DataFrame
        :func:`pqstats.screens.load_pairs` of the screen and task.

    Returns
    -------
    numpy.ndarray or None
        Scores of the test rows (in their order in ``pairs``), as :func:`run_benchmark`
        keeps them in ``scores_out``; None when the score cache does not hold them.
    """
    members = _member_params(model_name, None)
    if members is not None:  # a composite: the mean of its members' first-seed scores
        parts = [cached_scores(name, dataset, task, track, pairs) for name, _ in members]
        return None if any(p is None for p in parts) else np.mean(parts, axis=0)
    seeded = "random_state" in model_registry.get(model_name).get_params()
    # a seeded model is cached under its seed 0; a seeds=1 run caches it under the
    # default parameters (the same key when the default seed is 0)
    for params in ([{"random_state": 0}, None] if seeded else [None]):
        path = _score_cache_path(model_name, dataset, task, track, pairs, params)
        if path.is_file():
            with np.load(path) as f:
                return f["scores"]
    return None


def _member_params(model_name: str, params: dict | None) -> list[tuple[str, dict]] | None:
    """A composite model's members as ``(name, parameters)`` (None: not a composite)."""
    model = model_registry.get(model_name, **(params or {}))
    return model.member_params() if hasattr(model, "member_params") else None


def _cached_fit_predict(model_name: str, dataset: str, task: str, track: str,
                        pairs: pd.DataFrame, cache: bool, params: dict | None = None,
                        memo: dict | None = None) -> tuple[np.ndarray, float]:
    """:func:`fit_predict`, with the test scores cached on disk keyed by every input.

    The key holds the model's parameters, the cell, a hash of the pairs (labels of the
    training rows included), :func:`_source_digest` and, when some are left out
    (``PQSTATS_EXCLUDE_SOURCES``), the graph's sources; the knowledge files are pinned by
    checksums in the code. A warm rerun of the benchmark therefore only re-scores.

    A composite model (one with ``member_params``, the ``ensemble``) is the mean of its
    members' test scores, each fitted (or read from the cache) as its own cell would be,
    and its seconds are theirs together: what :meth:`fit` then ``score_pairs`` would give,
    without fitting a member twice. ``memo`` (a dict kept over one screen's cells) holds
    the scores of every fit made with it, so that a run without the cache fits each
    member once too.
    """
    members = _member_params(model_name, params)
    if members is not None:
        parts = [_cached_fit_predict(name, dataset, task, track, pairs, cache, p, memo)
                 for name, p in members]
        return np.mean([s for s, _ in parts], axis=0), float(sum(t for _, t in parts))
    path = _score_cache_path(model_name, dataset, task, track, pairs, params)
    if memo is not None and path in memo:
        return memo[path]
    if cache and path.is_file():
        with np.load(path) as f:
            return f["scores"], float(f["seconds"])
    scores, seconds = fit_predict(model_name, dataset, task, track, pairs, params)
    if memo is not None:
        memo[path] = (scores, seconds)
    if cache:
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=scores, seconds=seconds)

        atomic_write(path, write)
    return scores, seconds


def model_seeds(model_name: str, seeds: int) -> list[int]:
    """The seeds a model runs with: ``0 .. seeds-1`` when it declares ``random_state``
    (its estimator's seed; the out-of-fold features use fixed, seed-free grouped folds),
    else ``[0]`` — a deterministic model runs once."""
    seeds = check_int(seeds, "seeds")
    return list(range(seeds)) if "random_state" in model_registry.get(model_name
                                                                      ).get_params() else [0]


def _cell(model_name: str, dataset: str, task: str, track: str, pairs: pd.DataFrame,
          n_boot: int, cache: bool = True, keep: dict | None = None,
          seeds: int = DEFAULT_SEEDS, memo: dict | None = None) -> dict:
    """One cell: the mean over seeds of the per-gene AUROC, its sd over seeds, and the
    bootstrap interval over genes of the seed-mean per-gene AUROC."""
    if track == "zero-shot" and model_registry.zero_shot_note(model_name) is not None:
        return {"dataset": dataset, "task": task, "track": track, "model": model_name,
                "note": f"cannot run zero-shot: {model_registry.zero_shot_note(model_name)}"}
    from pqstats.evaluation import auroc_by_group, bootstrap_ci

    test = pairs[pairs["split"] == "test"]
    chosen = model_seeds(model_name, seeds)
    per_gene, auprc, seconds = [], [], 0.0
    for seed in chosen:
        params = {"random_state": seed} if len(chosen) > 1 else None
        scores, sec = _cached_fit_predict(model_name, dataset, task, track, pairs, cache,
                                          params, memo)
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


def _refuse_unlabelled(datasets: Sequence[str]) -> None:
    """Stop before any fit when a screen has no labels to score (a genes-only import)."""
    from pqstats.screens import UnlabelledScreenError, get_screen
    from pqstats.screens.registry import unlabelled_message

    for name in datasets:
        if not get_screen(name).labelled:
            raise UnlabelledScreenError(unlabelled_message(
                get_screen(name), "labelled test pairs to score"))


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
    datasets = list(dict.fromkeys(resolve_screen(d) for d in datasets))
    _refuse_unlabelled(datasets)
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
    from pqstats.screens import get_screen

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
    datasets = [resolve_screen(d) for d in datasets]
    _refuse_unlabelled(datasets)
    if "full model" not in ablations:
        raise ValueError("ablations need a 'full model' entry to compare against")
    rows = []
    cells = [(d, t) for d in datasets for t in tasks]
    bar = tqdm(total=len(cells) * len(ablations), desc="ablation", disable=not progress)
    for dataset, task in cells:
        pairs = load_pairs(dataset, task)
        test = pairs[pairs["split"] == "test"]
        for name, params in ablations.items():
            scores, seconds = fit_predict(model, dataset, task, "strict", pairs, params)
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


def ablation_markdown(ablation: pd.DataFrame) -> str:
    """The ablation as a table: rows = ablations, columns = dataset/task, cells = delta."""
    wide = ablation.pivot_table(index="ablation", columns=["dataset", "task"], values="delta",
                                sort=False)
    cols = [f"{d} {t.upper()}" for d, t in wide.columns]
    lines = [f"# Ablation ({ablation['model'].iloc[0]}, strict track)", "",
             "Change in per-gene AUROC on the test split when a part is removed "
             "(negative = that part helps). Full-model AUROC in the first row.", "",
             "| ablation | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    full = ablation[ablation["ablation"] == "full model"].pivot_table(
        index="ablation", columns=["dataset", "task"], values="auroc", sort=False)
    lines.append("| full model (AUROC) | " + " | ".join(
        f"{full.iloc[0][c]:.3f}" for c in wide.columns) + " |")
    for name, row in wide.iterrows():
        if name != "full model":
            lines.append(f"| {name} | " + " | ".join(f"{row[c]:+.3f}" for c in wide.columns)
                         + " |")
    return "\n".join(lines) + "\n"


def _fmt(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def _sd(row) -> str:
    """`` ±sd`` over seeds of a seeded row, else ""."""
    n = getattr(row, "n_seeds", np.nan)
    if pd.isna(n) or n <= 1 or pd.isna(getattr(row, "auroc_sd", np.nan)):
        return ""
    return f" ±{row.auroc_sd:.3f}"


def _ci(row) -> str:
    """``[low, high]`` of a result row, or "" when it has no interval."""
    if pd.isna(row.ci_low) or pd.isna(row.ci_high):
        return ""
    return f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"


#: The mark of a best cell that differs significantly from the next-best model.
SIGNIFICANCE_MARK = "†"


def results_markdown(results: pd.DataFrame, knowledge_note: str | None = None,
                     marks: set | None = None, mark_note: str = "") -> str:
    """Markdown tables: per task, paper rows then ours, one column per dataset.

    ``marks`` holds ``(dataset, task, track, model)`` cells to mark with
    :data:`SIGNIFICANCE_MARK`; ``mark_note`` (the footnote explaining the mark) follows
    each table that has a marked cell.
    """
    marks = marks or set()
    lines = ["# pqstats benchmark", "",
             "Per-gene AUROC on the test split (mean over genes with both classes; a "
             "seeded model's cell is the mean over its seeds, ± the standard deviation over "
             "seeds; in brackets the 95% bootstrap interval over genes of the seed-mean "
             "per-gene AUROC). Paper rows: Wu et al. 2025, Table 1.", ""]
    if knowledge_note:
        lines += [knowledge_note, ""]
    ok = results[results["note"].fillna("") == ""]
    # the paper's screens always (its rows fill them), then any other screen scored here
    columns = [s.name for s in builtin_screens()]
    columns += [d for d in dict.fromkeys(results["dataset"]) if d not in columns]
    for task in TASKS:
        sub = ok[ok["task"] == task]
        if sub.empty:
            continue
        lines += [f"## {task.upper()}", "",
                  "| method | track | " + " | ".join(columns) + " |",
                  "|---|---|" + "---|" * len(columns)]
        for (method, t), values in PAPER_TABLE.items():
            if t == task:
                lines.append(f"| {method} (paper) | – | "
                             + " | ".join(_fmt(values.get(d)) for d in columns) + " |")
        if task == "de":
            lines.append(f"| CORE-Voting (2026) | – | mean over the four cell lines: "
                         f"{CORE_VOTING_DE_MEAN:.3f} |" + " |" * (len(columns) - 1))
        marked = False
        for (model, track), grp in sub.groupby(["model", "track"], sort=False):
            by_ds = grp.set_index("dataset")
            cells = []
            for d in columns:
                if d in by_ds.index:
                    r = by_ds.loc[d]
                    mark = SIGNIFICANCE_MARK if (d, task, track, model) in marks else ""
                    marked = marked or bool(mark)
                    cells.append(f"{r.auroc:.3f}{mark}{_sd(r)} {_ci(r)}".rstrip())
                else:
                    cells.append("–")
            lines.append(f"| {model} | {track} | " + " | ".join(cells) + " |")
        lines.append("")
        if marked and mark_note:
            lines += [f"{SIGNIFICANCE_MARK} {mark_note}", ""]
    missing = results[results["note"].fillna("").str.startswith("unavailable")]
    if not missing.empty:
        lines += ["## Unavailable here", ""]
        for (d, t), grp in missing.groupby(["dataset", "task"]):
            lines.append(f"* {d} {t}: {grp['note'].iloc[0]}")
        lines.append("")
    lines += ["## All cells", "",
              "| dataset | task | track | model | AUROC | 95% CI | sd over seeds (seeds) | "
              "AUPRC | genes | seconds |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ok.itertuples():
        seeds = getattr(r, "n_seeds", np.nan)
        spread = ("–" if pd.isna(seeds) else
                  f"{getattr(r, 'auroc_sd', 0.0):.4f} ({int(seeds)})")
        lines.append(f"| {r.dataset} | {r.task} | {r.track} | {r.model} | {r.auroc:.3f} | "
                     f"{_ci(r) or '–'} | {spread} | {_fmt(r.auprc)} | "
                     f"{'–' if pd.isna(r.n_genes) else int(r.n_genes)} | "
                     f"{'–' if pd.isna(r.seconds) else f'{r.seconds:.2f}'} |")
    return "\n".join(lines) + "\n"
