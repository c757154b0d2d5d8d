"""Prioritise the next screen: which knockdowns to run, and why.

Each candidate knockdown gets two numbers:

* **predicted effect** — the mean predicted P(DE) over the readout genes, i.e. the share
  of measured genes the model expects the knockdown to change (exploitation: find strong
  perturbations);
* **novelty** — one minus the cosine similarity of the candidate's knowledge-graph
  profile to its nearest already-screened perturbation (exploration: the model knows
  least about knockdowns unlike anything screened, and learns most from them).

Strategies rank by ``effect``, ``novelty``, ``balanced`` (the mean of the two percentile
ranks) or ``random``; ties are broken by a permutation drawn from ``seed``, so a ranking is
reproducible. :func:`simulate_screen` replays a sequential screen on a training split —
hide perturbations, pick a batch by a strategy, reveal its outcomes, retrain — and
records how fast each strategy finds the strong perturbations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pqstats import models as model_registry
from pqstats._checks import check_fraction, check_int
from pqstats._choices import STRATEGIES
from pqstats.predict import (
    default_track,
    readout_genes,
    resolve_perturbations,
    resolve_readout_genes,
    screen_model,
)
from pqstats.screens import get_screen, load_pairs, resolve_screen

__all__ = ["STRATEGIES", "rank_candidates", "prioritise", "simulate_screen"]



def _check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    return strategy


def rank_candidates(predicted_effect: pd.Series, screened: Sequence[str],
                    strategy: str = "balanced", seed: int = 0, space: str = "all",
                    kg=None) -> pd.DataFrame:
    """Rank candidate knockdowns by a strategy, with the reason for each rank.

    Parameters
    ----------
    predicted_effect : Series
        Candidate → predicted share of readout genes changed.
    screened : sequence of str
        Perturbations already screened (their outcomes are known).
    strategy : str
        A key of :data:`STRATEGIES`.
    seed : int
        Seeds the tie-breaking permutation (and the ``random`` strategy).
    space : str
        Knowledge similarity space for novelty (:data:`pqstats.features.SPACES`).
    kg : KnowledgeGraph, optional
        Default: the models' graph.

    Returns
    -------
    pandas.DataFrame
        ``rank, pert, predicted_effect, novelty, nearest_screened, nearest_similarity,
        priority, reason`` in rank order (1 = run first).
    """
    from pqstats.features.pairs import load_graph
    from pqstats.features.profiles import gene_profiles

    _check_strategy(strategy)
    if len(predicted_effect) == 0:
        raise ValueError("no candidate knockdowns to rank")
    kg = load_graph() if kg is None else kg
    cands = list(predicted_effect.index)
    screened = list(dict.fromkeys(screened))
    if screened:
        sim = gene_profiles(kg, space).similarity(cands, screened)
        nearest = sim.argmax(1)
        near_sim = sim[np.arange(len(cands)), nearest]
        near_name = np.asarray(screened, dtype=object)[nearest]
    else:
        near_sim = np.zeros(len(cands), dtype=np.float32)
        near_name = np.full(len(cands), "", dtype=object)
    effect = predicted_effect.to_numpy(dtype=float)
    novelty = 1.0 - np.asarray(near_sim, dtype=float)
    rng = np.random.default_rng(seed)
    tiebreak = rng.permutation(len(cands))
    pct_effect = rankdata(effect) / len(cands)
    pct_novelty = rankdata(novelty) / len(cands)
    priority = {"effect": effect, "novelty": novelty,
                "balanced": (pct_effect + pct_novelty) / 2,
                "random": rng.random(len(cands))}[strategy]
    order = np.lexsort((tiebreak, -priority))
    out = pd.DataFrame({
        "pert": np.asarray(cands, dtype=object)[order],
        "predicted_effect": effect[order],
        "novelty": novelty[order],
        "nearest_screened": near_name[order],
        "nearest_similarity": np.asarray(near_sim, dtype=float)[order],
        "priority": np.asarray(priority, dtype=float)[order],
    })
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    eff_rank = pd.Series(rankdata(-effect, method="min").astype(int), index=cands)
    nov_rank = pd.Series(rankdata(-novelty, method="min").astype(int), index=cands)
    n = len(cands)
    out["reason"] = [
        f"predicted to change {r.predicted_effect:.1%} of readout genes "
        f"(#{eff_rank[r.pert]} of {n} by effect); "
        + (f"nearest screened knockdown {r.nearest_screened} (similarity "
           f"{r.nearest_similarity:.2f}, #{nov_rank[r.pert]} of {n} by novelty)"
           if r.nearest_screened else "nothing screened yet")
        for r in out.itertuples()]
    out.attrs.update(strategy=strategy, seed=seed, space=space)
    return out


def prioritise(cell_line: str, candidates: Iterable[str], budget: int | None = None,
               strategy: str = "balanced", model: str = "xgboost", track: str | None = None,
               seed: int = 0, genes: Iterable[str] | None = None,
               verbose: bool = False) -> pd.DataFrame:
    """Rank candidate knockdowns for the next screen of a cell line.

    The screen so far is the training split of the cell line's DE dataset: its
    perturbations count as screened, and the benchmark model trained on it predicts each
    candidate's effect over the readout genes.

    Parameters
    ----------
    cell_line : str
        A registered screen that reads out genes.
    candidates : iterable of str
        Genes to consider knocking down (symbols, aliases or Ensembl ids, any case; see
        :func:`pqstats.predict.resolve_perturbations`).
    budget : int, optional
        Return only the first ``budget`` picks (at least 1).
    strategy : str
        A key of :data:`STRATEGIES`.
    model, track : str
        The benchmark model and track that predict effects (default
        :func:`pqstats.predict.default_track`: strict, or zero-shot for a screen without
        labels, where nothing counts as screened yet).
    seed : int
        Tie-breaking (and ``random``) seed.
    genes : iterable of str, optional
        Readout genes over which effects are averaged (default: the screen's); they must
        be measured readouts (:func:`pqstats.predict.resolve_readout_genes`).
    verbose : bool
        Say on standard error when the model has to be fitted.

    Returns
    -------
    pandas.DataFrame
        :func:`rank_candidates` columns plus ``already_screened``; candidates screened
        before are ranked after the new ones.

    Raises
    ------
    ValueError
        Empty candidate list, or a non-positive budget.
    pqstats.predict.UnknownGeneError
        Candidates the knowledge graph does not know or that are ambiguous, or readout
        genes the screen did not measure (all named, with the closest symbols).
    """
    from pqstats.features.pairs import load_graph

    cell_line = resolve_screen(cell_line, readout="genes")
    track = default_track(cell_line, track)
    _check_strategy(strategy)
    raw = [str(c).strip() for c in candidates if str(c).strip()]
    if not raw:
        raise ValueError("the candidate list is empty: give at least one gene to rank")
    if budget is not None:
        budget = check_int(budget, "budget")
    kg = load_graph()
    readouts = (readout_genes(cell_line) if genes is None
                else list(dict.fromkeys(resolve_readout_genes(cell_line, genes, kg))))
    # the perturbations screen_model learns from (none for a screen without labels)
    screened = (sorted(load_pairs(cell_line, "de").query("split == 'train'")["pert"].unique())
                if get_screen(cell_line).labelled else [])
    done = set(screened)
    # a screened perturbation keeps the screen's symbol; any other gene resolves in the graph
    cands = list(dict.fromkeys(resolve_perturbations(kg, raw, screened, what="candidate")))
    fitted = screen_model(cell_line, "de", model, track, verbose=verbose)
    pairs = pd.DataFrame({"pert": np.repeat(cands, len(readouts)),
                          "gene": np.tile(readouts, len(cands))})
    scores = fitted.score_pairs(pairs)
    effect = pd.Series(scores, index=pairs["pert"]).groupby(level=0, sort=False).mean()
    effect = effect.reindex(cands)
    new = [c for c in cands if c not in done]
    parts = []
    if new:
        parts.append(rank_candidates(effect[new], screened, strategy, seed, kg=kg))
    old = [c for c in cands if c in done]
    if old:
        again = rank_candidates(effect[old], screened, strategy, seed, kg=kg)
        again["reason"] = "already screened (in the training split); " + again["reason"]
        parts.append(again)
    out = pd.concat(parts, ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["already_screened"] = out["pert"].isin(done)
    if budget is not None:
        out = out.head(budget)
    out.attrs.update(cell_line=cell_line, strategy=strategy, model=model, track=track,
                     seed=seed, n_screened=len(screened))
    return out


def simulate_screen(cell_line: str = "k562", strategies: Sequence[str] = tuple(STRATEGIES),
                    n_initial: int = 50, batch: int = 25, n_rounds: int = 8,
                    model: str = "knn_retrieval", strong_quantile: float = 0.8,
                    n_perts: int | None = None, seed: int = 0,
                    pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Replay a sequential screen on a training split and count the strong hits found.

    The perturbations of the training split are hidden; ``n_initial`` of them (drawn from
    ``seed``, the same for every strategy) are screened first. Each round fits ``model``
    on the screened perturbations' outcomes, scores every hidden one over the genes it was
    measured on, picks ``batch`` by the strategy, and reveals their outcomes. With
    ``n_initial=0`` nothing of the cell line is screened at first: the first round's
    picks come from the zero-shot model (``model`` trained on other studies' screens,
    no label of ``cell_line``), later rounds retrain on what was revealed. A
    perturbation is *strong* when the share of its genes that changed is in the top
    ``1 - strong_quantile`` of the split. Test perturbations are never used.

    Parameters
    ----------
    cell_line : str
        Dataset whose DE training split is replayed.
    strategies : sequence of str
        Keys of :data:`STRATEGIES`.
    n_initial, batch, n_rounds : int
        Initial screen size (0: start from zero, zero-shot), picks per round, rounds.
    model : str
        Registered model retrained every round (``knn_retrieval`` is fast); with
        ``n_initial=0`` it must run zero-shot (``pqstats models``).
    strong_quantile : float
        Quantile of the observed effect above which a perturbation is strong.
    n_perts : int, optional
        Use a random subset of this many training perturbations (faster).
    seed : int
        Seeds the subset, the initial screen and the strategies' tie-breaking.
    pairs : DataFrame, optional
        ``pert, gene, label`` to replay instead of the dataset's training split; a
        ``split`` column must hold no test row (``ValueError`` otherwise).

    Returns
    -------
    pandas.DataFrame
        ``strategy, round, n_screened, strong_found, share_strong_found, track`` (round 0
        = the initial screen; ``track`` of the model whose picks the next round screens:
        ``zero-shot`` while nothing is screened, else ``strict``), one row per strategy
        and round. ``attrs["picks"]``: strategy → the perturbations picked in each round.
    """
    for s in strategies:
        _check_strategy(s)
    n_initial = check_int(n_initial, "n_initial", minimum=0)
    batch = check_int(batch, "batch")
    n_rounds = check_int(n_rounds, "n_rounds", minimum=0)
    strong_quantile = check_fraction(strong_quantile, "strong_quantile")
    if n_perts is not None:
        n_perts = check_int(n_perts, "n_perts")
    if pairs is None:
        table = load_pairs(cell_line, "de")
        pairs = table.loc[table["split"] == "train", ["pert", "gene", "label"]]
    model_registry.check_training_pairs(pairs, "simulate_screen")
    missing = [c for c in ("pert", "gene", "label") if c not in pairs.columns]
    if missing:
        raise ValueError(f"simulate_screen: pairs need columns pert, gene, label; missing "
                         f"{missing}")
    pairs = pairs.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    perts = np.array(sorted(pairs["pert"].unique()), dtype=object)
    if n_perts is not None and n_perts < len(perts):
        perts = np.sort(rng.choice(perts, n_perts, replace=False))
        pairs = pairs[pairs["pert"].isin(perts)].reset_index(drop=True)
    if n_initial + batch > len(perts):
        raise ValueError(f"{len(perts)} perturbations cannot hold an initial screen of "
                         f"{n_initial} plus batches of {batch}")
    effect = pairs.groupby("pert")["label"].mean()
    strong = set(effect.index[effect >= effect.quantile(strong_quantile)])
    initial = list(rng.choice(perts, n_initial, replace=False))
    if n_initial == 0 and model_registry.zero_shot_note(model) is not None:
        raise ValueError(f"simulate_screen from zero (n_initial=0) picks its first batch "
                         f"zero-shot, and {model} cannot run zero-shot "
                         f"({model_registry.zero_shot_note(model)}); use knn_retrieval, "
                         "logistic or xgboost")
    zero_shot = None  # fitted once: it reads no label of the replayed screen
    rows, picks = [], {}
    for strategy in strategies:
        screened = list(initial)
        picks[strategy] = []
        for rnd in range(n_rounds + 1):
            found = len(strong.intersection(screened))
            track = model_registry.ZERO_SHOT if not screened else "strict"
            rows.append({"strategy": strategy, "round": rnd, "n_screened": len(screened),
                         "strong_found": found, "share_strong_found": found / len(strong),
                         "track": track})
            hidden = pairs[~pairs["pert"].isin(screened)]
            if rnd == n_rounds or hidden.empty:
                continue
            if screened:
                seen = pairs[pairs["pert"].isin(screened)]
                fitted = model_registry.get_for(model, cell_line, "de", "strict").fit(
                    seen[["pert", "gene"]], seen["label"].to_numpy())
            else:  # nothing screened in this line yet: other studies' screens only
                if zero_shot is None:
                    zero_shot = model_registry.get_for(
                        model, cell_line, "de", model_registry.ZERO_SHOT).fit(
                        pairs.iloc[:0][["pert", "gene"]], np.zeros(0, dtype=np.int8))
                fitted = zero_shot
            pred = pd.Series(fitted.score_pairs(hidden[["pert", "gene"]]),
                             index=hidden["pert"].to_numpy())
            pred = pred.groupby(level=0).mean()
            ranking = rank_candidates(pred, screened, strategy, seed=seed + rnd)
            picked = ranking["pert"].head(batch).tolist()
            picks[strategy].append(picked)
            screened += picked
    out = pd.DataFrame(rows)
    out.attrs["picks"] = picks
    return out
