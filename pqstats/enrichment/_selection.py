"""Choosing the GSE description rule without the 77 labels.

The GSE task has no training split: its 77 labelled clusters are all test. The rule
``pqstats gse`` uses by default is therefore chosen on *synthetic* clusters whose "labels"
are gene-set names from a library the rules do not search:

1. :func:`synthetic_clusters` draws clusters from a held-out library (by default
   :data:`SELECTION_LIBRARY`, WikiPathways 2023): a set's genes, some members dropped,
   noise genes from the background added, sizes spread like the real clusters' (4 to
   about 100 genes). The set's cleaned name is the cluster's reference text.
2. Every candidate rule (:func:`candidate_rules`) describes each cluster from the
   libraries *less* the generating one, so no rule can name the generating set itself.
3. :func:`select_rule` scores the descriptions with the task's own scores (ROUGE-1,
   MiniLM cosine) and keeps the simplest rule whose mean ROUGE-1 F1 is within one paired
   standard error of the best (the one-standard-error rule; F1 because recall alone
   rewards long answers).

Nothing here reads the PerturbQA GSE files (:func:`pqstats.screens.load_gse`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.enrichment._gse import (
    BASELINE_LIBRARIES,
    DEFAULT_LIBRARY,
    DEFAULT_METHOD,
    DEFAULT_TOP,
    _describe,
    _enrich,
    score_descriptions,
)
from pqstats.enrichment._text import clean_term, tokenize

__all__ = [
    "SELECTION_LIBRARY",
    "SELECTION_CRITERION",
    "Rule",
    "candidate_rules",
    "synthetic_clusters",
    "select_rule",
    "write_selection",
]

#: The library the synthetic clusters are drawn from (see the README's GSE part for why
#: it is independent of the 77 labels).
SELECTION_LIBRARY = "wikipathways_2023"
#: The mean score the rule is chosen by.
SELECTION_CRITERION = "rouge1_f1"


@dataclass(frozen=True)
class Rule:
    """A description rule: a :data:`~pqstats.enrichment.METHODS` entry with the ``top``
    of ``consensus`` or the ``library`` of ``single``."""

    method: str
    top: int = DEFAULT_TOP
    library: str | None = None

    @property
    def name(self) -> str:
        if self.method == "single":
            return f"single[{self.library}]"
        if self.method == "consensus":
            return f"consensus[top={self.top}]"
        return self.method

    @property
    def description(self) -> str:
        if self.method == "single":
            return f"top p-value term of {self.library} alone"
        return {
            "baseline": "paper: top p-value term over GO + CORUM + Reactome merged",
            "pvalue": "top p-value term over all libraries",
            "bonferroni": "top per-library Bonferroni term (= consensus with top=1)",
            "consensus": f"medoid of the top {self.top} Bonferroni terms",
        }[self.method]


def candidate_rules(libraries: Sequence[str], tops: Sequence[int] = (3, 5, 10)) -> list[Rule]:
    """The candidates, simplest first (the order that breaks ties).

    One library's top term; the paper's baseline (when its libraries are all there); the
    top p-value and top Bonferroni term over all libraries; the ``consensus`` medoid for
    each ``top`` (``top = 1`` is the Bonferroni rule).
    """
    rules = [Rule("single", library=name) for name in libraries]
    if all(name in libraries for name in BASELINE_LIBRARIES):
        rules.append(Rule("baseline"))
    rules += [Rule("pvalue"), Rule("bonferroni")]
    rules += [Rule("consensus", top=int(t)) for t in sorted(set(tops))]
    return rules


def synthetic_clusters(
    gene_sets: Mapping[str, set[str]],
    background: Sequence[str],
    *,
    n_clusters: int = 400,
    sizes: tuple[int, int] = (4, 100),
    noise: tuple[float, float] = (0.0, 0.5),
    set_sizes: tuple[int, int] = (10, 500),
    seed: int = 0,
) -> pd.DataFrame:
    """Clusters drawn from gene sets: members of one set plus noise genes.

    Sets whose size in the background lies in ``set_sizes`` are eligible; ``n_clusters``
    of them (fewer if fewer are eligible) are drawn without replacement. For each, the
    cluster size :math:`n` is log-uniform on ``sizes`` (the real clusters have 4 to 97
    genes, median 7 for perturbations and 23 for genes) and the noise share :math:`q` is
    uniform on ``noise``; the cluster holds :math:`n - \\mathrm{round}(qn)` members of the
    set (at most all of them, at least two; the other members are dropped) and
    :math:`\\mathrm{round}(qn)` background genes outside the set, in random order.

    Parameters
    ----------
    gene_sets : mapping term -> genes
        One library (already restricted to ``background``).
    background : sequence of str
        The genes noise is drawn from.
    n_clusters : int
        Clusters wanted.
    sizes, noise, set_sizes : pairs
        Ranges of the cluster size, the noise share and the eligible set size.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same clusters.

    Returns
    -------
    pandas.DataFrame
        One row per cluster: ``cluster`` (0, 1, ...), ``term`` (the generating set),
        ``set_size``, ``n_genes``, ``n_members``, ``n_noise``, ``noise_share`` (the drawn
        :math:`q`) and ``genes`` (list).
    """
    if isinstance(n_clusters, bool) or not isinstance(n_clusters, int) or n_clusters < 1:
        raise ValueError(f"n_clusters must be a positive integer, got {n_clusters!r}")
    if not 2 <= sizes[0] <= sizes[1]:
        raise ValueError(f"sizes must be (low, high) with 2 <= low <= high, got {sizes!r}")
    if not 0.0 <= noise[0] <= noise[1] < 1.0:
        raise ValueError(f"noise must be (low, high) with 0 <= low <= high < 1, got {noise!r}")
    universe = sorted(set(background))
    in_bg = set(universe)
    eligible = sorted(term for term, genes in gene_sets.items()
                      if set_sizes[0] <= len(set(genes) & in_bg) <= set_sizes[1])
    if not eligible:
        raise ValueError(f"no gene set has between {set_sizes[0]} and {set_sizes[1]} genes "
                         "in the background; pass a larger library or widen set_sizes")
    rng = np.random.default_rng(seed)
    terms = rng.choice(eligible, size=min(n_clusters, len(eligible)), replace=False)
    rows = []
    for i, term in enumerate(terms):
        members_all = sorted(set(gene_sets[term]) & in_bg)
        size = int(round(np.exp(rng.uniform(np.log(sizes[0]), np.log(sizes[1])))))
        share = float(rng.uniform(*noise))
        n_noise = int(round(share * size))
        n_members = min(max(size - n_noise, 2), len(members_all))
        member_set = set(members_all)
        outside = [g for g in universe if g not in member_set]
        n_noise = min(n_noise, len(outside))
        genes = list(rng.choice(members_all, n_members, replace=False))
        genes += list(rng.choice(outside, n_noise, replace=False)) if n_noise else []
        rng.shuffle(genes)
        rows.append({"cluster": i, "term": str(term), "set_size": len(members_all),
                     "n_genes": len(genes), "n_members": n_members, "n_noise": n_noise,
                     "noise_share": share, "genes": [str(g) for g in genes]})
    return pd.DataFrame(rows)


def _descriptions(rule: Rule, tables: dict, names: list) -> pd.DataFrame:
    table = tables["baseline" if rule.method == "baseline" else "all"]
    return _describe(table, names, rule.method, rule.top, rule.library)


def select_rule(
    libraries: Mapping[str, Mapping[str, set[str]]],
    background: Sequence[str],
    *,
    generator: str = SELECTION_LIBRARY,
    rules: Sequence[Rule] | None = None,
    n_clusters: int = 400,
    seed: int = 0,
    semantic: bool = True,
    normalise: bool | object = True,
    **synthetic,
) -> tuple[pd.DataFrame, Rule, pd.DataFrame]:
    """Score every candidate rule on synthetic clusters and choose one.

    Parameters
    ----------
    libraries : mapping library -> {term: genes}
        The generator library and the libraries the rules search, restricted to
        ``background`` (:func:`~pqstats.enrichment.load_libraries`).
    background : sequence of str
        The enrichment background (and the noise genes' pool).
    generator : str
        The library the clusters are drawn from; it is left out of the rules' libraries.
    rules : sequence of Rule, optional
        Candidates in simplicity order; default :func:`candidate_rules` over the other
        libraries.
    n_clusters, seed : int
        Passed to :func:`synthetic_clusters`, with any further keyword (``sizes``,
        ``noise``, ``set_sizes``).
    semantic : bool
        Add the MiniLM cosine (reported, not used for the choice).
    normalise : bool or SymbolMapper
        Passed to :func:`~pqstats.enrichment.ora`.

    Returns
    -------
    table : pandas.DataFrame
        One row per rule in simplicity order: ``rule``, ``method``, ``top``, ``library``,
        ``n_clusters``, the mean scores, ``described`` (share with a description),
        ``delta`` (mean F1 below the best), ``se_delta`` (its paired standard error),
        ``within_1se`` and ``chosen``.
    chosen : Rule
        The simplest rule within one standard error of the best.
    per_cluster : pandas.DataFrame
        The synthetic clusters (less their genes) with each rule's description and F1.
    """
    if generator not in libraries:
        raise ValueError(f"the generator library {generator!r} is not among the loaded "
                         f"libraries ({', '.join(libraries)}); load it too")
    search = {name: sets for name, sets in libraries.items() if name != generator}
    if not search:
        raise ValueError("no library left to describe from once the generator is held out")
    rules = list(rules) if rules is not None else candidate_rules(list(search))
    for rule in rules:
        if rule.method == "single" and rule.library not in search:
            why = "the held-out generator" if rule.library == generator else "not loaded"
            raise ValueError(f"rule {rule.name} needs library {rule.library!r}, which is "
                             f"{why}")
    synth = synthetic_clusters(libraries[generator], background, n_clusters=n_clusters,
                               seed=seed, **synthetic)
    clusters = dict(zip(synth["cluster"], synth["genes"], strict=True))
    names = list(clusters)
    references = [clean_term(t, generator) for t in synth["term"]]
    tables = {"all": _enrich(clusters, "pvalue", search, background, normalise)}
    if any(rule.method == "baseline" for rule in rules):
        tables["baseline"] = _enrich(clusters, "baseline", search, background, normalise)
    per_cluster = synth.drop(columns="genes").assign(reference=references)
    descriptions = {rule.name: _descriptions(rule, tables, names)["description"].tolist()
                    for rule in rules}
    if semantic:  # each distinct text embedded once (the rules share many descriptions)
        from pqstats.enrichment._text import embed

        texts = list(dict.fromkeys([*references, *(d for v in descriptions.values()
                                                    for d in v)]))
        vectors = dict(zip(texts, embed(texts), strict=True))
        ref_vectors = np.stack([vectors[r] for r in references])
    rows, scores = [], {}
    for rule in rules:
        desc = pd.Series(descriptions[rule.name])
        s = score_descriptions(desc, references, semantic=False)
        if semantic:
            s["minilm_cosine"] = np.einsum("ij,ij->i", np.stack([vectors[d] for d in desc]),
                                           ref_vectors).astype(float)
        scores[rule.name] = s[SELECTION_CRITERION].to_numpy()
        per_cluster[f"{rule.name}"] = desc.to_numpy()
        per_cluster[f"{rule.name} {SELECTION_CRITERION}"] = scores[rule.name]
        rows.append({"rule": rule.name, "method": rule.method,
                     "top": rule.top if rule.method == "consensus" else np.nan,
                     "library": rule.library or "", "n_clusters": len(names),
                     **s.mean().to_dict(),
                     "description_words": float(np.mean([len(tokenize(d)) for d in desc])),
                     "described": float(np.mean([d != "" for d in desc]))})
    table = pd.DataFrame(rows)
    best = table["rule"].iloc[int(np.argmax(table[SELECTION_CRITERION].to_numpy()))]
    deltas = [scores[best] - scores[r] for r in table["rule"]]
    table["delta"] = [float(d.mean()) for d in deltas]
    table["se_delta"] = [float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0
                         for d in deltas]
    table["within_1se"] = table["delta"] <= table["se_delta"]
    pick = int(np.flatnonzero(table["within_1se"].to_numpy())[0])
    table["chosen"] = [i == pick for i in range(len(table))]
    return table, rules[pick], per_cluster


def write_selection(table: pd.DataFrame, chosen: Rule, per_cluster: pd.DataFrame,
                    out: str | Path = "results", *, generator: str = SELECTION_LIBRARY,
                    seed: int = 0, command: str = "") -> list[Path]:
    """Write ``gse_selection.csv``, ``gse_selection_clusters.csv`` and ``gse_selection.md``."""
    out = Path(out)
    paths = [atomic_write_csv(out / "gse_selection.csv", table, float_format="%.6g"),
             atomic_write_csv(out / "gse_selection_clusters.csv", per_cluster,
                              float_format="%.6g")]
    default = Rule(DEFAULT_METHOD, DEFAULT_TOP,
                   DEFAULT_LIBRARY if DEFAULT_METHOD == "single" else None)
    agrees = default.name == chosen.name
    shown = table.drop(columns=["method", "top", "library"])
    n = int(table["n_clusters"].iloc[0])
    text = [
        "# GSE: the description rule, chosen without the 77 labels",
        "",
        f"Generated by `{command or 'python benchmarks/gse_selection.py'}` "
        "(pqstats.enrichment.select_rule). The 77 PerturbQA labels are not read.",
        "",
        f"{n} synthetic clusters (seed {seed}) are drawn from `{generator}`: for each, one",
        "of its sets with 10-500 genes among the 8,454 measured K562 genes, a log-uniform",
        "size of 4-100 genes, a noise share uniform on [0, 0.5] (background genes outside",
        "the set; the set's other members are dropped). The reference text is the set's",
        "cleaned name. Every rule describes the clusters from the libraries *less*",
        f"`{generator}`, so none can name the generating set. Scores as in `pqstats gse`.",
        "",
        "Choice: the simplest rule (rows are in simplicity order) whose mean",
        f"`{SELECTION_CRITERION}` is within one paired standard error of the best",
        "(`delta` <= `se_delta`). MiniLM and recall are shown, not used.",
        "",
        markdown_table(shown),
        "",
        f"**Chosen: `{chosen.name}`** ({chosen.description}). "
        + (f"It is already the default of `pqstats gse` (`{default.name}`)."
           if agrees else
           f"The default of `pqstats gse` is `{default.name}`: set "
           f"`DEFAULT_METHOD`, `DEFAULT_TOP` and `DEFAULT_LIBRARY` in "
           f"pqstats/enrichment/_gse.py to the choice."),
        "",
        "Caveat: the synthetic references are pathway names, so a library whose names",
        "read like pathways (Reactome beside WikiPathways) has an edge here that the real",
        "labels, many of them complex names, may not reward. The choice is made by this",
        "score alone all the same, as fixed before it was run.",
        "",
        "The score of the default on the 77 labels is in `results/gse.md` (`pqstats gse`),",
        "reported as it comes and not used to choose anything.",
        "",
    ]
    paths.append(atomic_write_text(out / "gse_selection.md", "\n".join(text)))
    return paths
