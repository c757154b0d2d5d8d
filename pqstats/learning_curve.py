"""Learning curve of a new cell line: from zero-shot to the full training split.

At each size n, n of the target screen's training perturbations are drawn (seeded per
repeat); the model is fitted on their pairs without other screens (``strict``) and with
them (``transfer``), and scores the target's *whole* test split. Size 0 is the zero-shot
track (no label of the target); size ``all`` uses every training perturbation, so its
``transfer`` row is exactly the benchmark's transfer track and its ``strict`` row the
strict track (the same fits, through the same cache). Test labels reach only the scorer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pqstats.evaluation import evaluate
from pqstats.fit_cache import cached_fit_predict
from pqstats.screens import load_pairs, resolve_screen

__all__ = ["CURVE_COLUMNS", "parse_sizes", "learning_curve", "size_reaching"]

CURVE_COLUMNS = ["size", "repeat", "track", "auroc", "ci_low", "ci_high"]


def parse_sizes(text: str | Sequence) -> list[int | str]:
    """``"0,10,30,all"`` → ``[0, 10, 30, "all"]`` (sorted, unique; ``all`` last).

    Raises
    ------
    ValueError
        For an empty list or an entry that is neither a non-negative integer nor ``all``.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    sizes: set[int] = set()
    full = False
    for item in items:
        word = str(item).strip().lower()
        if not word:
            continue
        if word == "all":
            full = True
        elif word.isdigit():
            sizes.add(int(word))
        else:
            raise ValueError(f"size {item!r} is neither a number of perturbations (0, 10, ...) "
                             "nor 'all'; give e.g. --sizes 0,10,30,100,all")
    if not sizes and not full:
        raise ValueError("no size given; give e.g. --sizes 0,10,30,100,all")
    return sorted(sizes) + (["all"] if full else [])


def learning_curve(dataset: str, task: str, model: str = "logistic",
                   sizes: Sequence[int | str] = (0, 10, 30, 100, 300, "all"), repeats: int = 3,
                   random_state: int = 0, n_boot: int = 200, cache: bool = True
                   ) -> pd.DataFrame:
    """Per-gene AUROC on the test split against the number of training perturbations.

    Parameters
    ----------
    dataset : str
        A registered screen.
    task : {"de", "dir"}
    model : str
        A registered model; the zero-shot point needs one that runs zero-shot (else the
        size 0 is refused).
    sizes : sequence of int or "all"
        Numbers of target training perturbations (0 = zero-shot).
    repeats : int
        Draws per size between 0 and ``all`` (those two are single, deterministic fits).
    random_state : int
        Seed of the draws (repeat r uses ``random_state + r``).
    n_boot : int
        Bootstrap resamples over genes for the interval.
    cache : bool
        Reuse the benchmark's cached test scores for identical fits.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CURVE_COLUMNS`; ``size`` is a string (``"0"``, ``"10"``, ``"all"``).
    """
    from pqstats import models as model_registry
    from pqstats._checks import check_int

    repeats = check_int(repeats, "repeats", minimum=1)
    sizes = parse_sizes(sizes)
    dataset = resolve_screen(dataset)
    pairs = load_pairs(dataset, task)
    train = pairs[pairs["split"] == "train"]
    test = pairs[pairs["split"] == "test"]
    perts = np.sort(train["pert"].unique())
    too_big = [n for n in sizes if n != "all" and n > len(perts)]
    if too_big:
        raise ValueError(f"size(s) {too_big} exceed the {len(perts)} training perturbations of "
                         f"{dataset} {task}; use 'all' for every one")
    if 0 in sizes and model_registry.zero_shot_note(model) is not None:
        raise ValueError(f"model {model!r} cannot run zero-shot "
                         f"({model_registry.zero_shot_note(model)}): drop size 0 or choose "
                         "logistic, xgboost or knn_retrieval")
    estimator = model_registry.get(model)  # the one resolution of the model's name
    rows = []

    def score(track: str, subset: pd.DataFrame, size, repeat: int) -> None:
        scores, _ = cached_fit_predict(model, dataset, task, track, subset, cache,
                                       model=estimator)
        m = evaluate(test, scores, n_boot=n_boot)
        rows.append({"size": str(size), "repeat": repeat, "track": track,
                     **{k: m[k] for k in ("auroc", "ci_low", "ci_high")}})

    for size in sizes:
        if size == 0:
            score("zero-shot", pairs, 0, 0)
            continue
        if size == "all":
            for track in ("strict", "transfer"):
                score(track, pairs, "all", 0)
            continue
        for repeat in range(repeats):
            rng = np.random.default_rng(random_state + repeat)
            chosen = rng.choice(perts, size, replace=False)
            subset = pd.concat([train[train["pert"].isin(chosen)], test])
            for track in ("strict", "transfer"):
                score(track, subset, size, repeat)
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def size_reaching(curve: pd.DataFrame, fraction: float = 0.9) -> str | None:
    """The smallest size whose mean transfer-track AUROC reaches ``fraction`` of the full
    transfer track's gain over chance (0.5), or None (no ``all`` point, or never)."""
    transfer = curve[curve["track"].isin(["transfer", "zero-shot"])]
    full = transfer.loc[transfer["size"].astype(str) == "all", "auroc"]
    if full.empty:
        return None
    goal = 0.5 + fraction * (float(full.iloc[0]) - 0.5)
    means = transfer.groupby(transfer["size"].astype(str), sort=False)["auroc"].mean()
    order = sorted(means.index, key=lambda s: float("inf") if s == "all" else int(s))
    for size in order:
        if means[size] >= goal:
            return size
    return None
