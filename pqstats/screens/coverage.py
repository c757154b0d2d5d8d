"""Coverage of the PerturbQA datasets by the knowledge graph and the symbol mapper.

For each available dataset: the distinct perturbed genes (``pert``) and readout genes
(``gene``; not for ``k562_set``, whose genes are programme names) are normalised with
the symbol mapper, using the PerturbQA ``k562_gw_mapping_full.json`` (symbol → Ensembl)
as a tie-breaker for ambiguous or unknown names, and counted as covered by a source when
they have at least one edge of that source.
"""

from __future__ import annotations

import json

import pandas as pd

from pqstats.knowledge.graph import KnowledgeGraph

__all__ = ["perturbqa_ensembl_hints", "perturbqa_gene_lists", "coverage_table",
           "symbol_coverage_table"]


def perturbqa_ensembl_hints() -> dict[str, str]:
    """PerturbQA symbol → Ensembl gene id (K562 measured genes), or {} if unavailable."""
    from pqstats.screens import fetch, get_screen

    try:
        path = fetch(get_screen("k562").file("measured").name)
    except (FileNotFoundError, ValueError):
        return {}
    with open(path, encoding="utf-8") as fh:
        return {str(k): str(v) for k, v in json.load(fh).items()}


def perturbqa_gene_lists() -> dict[str, dict[str, list[str]]]:
    """Available screen → {"perts": [...], "genes": [...]} (distinct, sorted).

    A programme screen (``k562_set``) has no ``genes`` list.
    """
    from pqstats.screens import available_screens, get_screen, load_de

    out: dict[str, dict[str, list[str]]] = {}
    for name, problem in available_screens("de").items():
        if problem is not None or not get_screen(name).builtin:
            continue
        df = load_de(name)
        lists = {"perts": sorted(df["pert"].unique())}
        if get_screen(name).readout == "genes":
            lists["genes"] = sorted(df["gene"].unique())
        out[name] = lists
    return out


def coverage_table(kg: KnowledgeGraph, *, use_hints: bool = True) -> pd.DataFrame:
    """Coverage of every available PerturbQA dataset by the graph.

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, what) with ``what`` in {perts, genes}: ``n`` and, per
        edge type and ``any``, the share with at least one edge.
    """
    hints = perturbqa_ensembl_hints() if use_hints else None
    rows = []
    for name, lists in perturbqa_gene_lists().items():
        for what, genes in lists.items():
            cov = kg.coverage(genes, ensembl_hints=hints)
            rows.append({"dataset": name, "what": what, "n": len(genes), **cov})
    return pd.DataFrame(rows)


def symbol_coverage_table(*, use_hints: bool = True) -> pd.DataFrame:
    """How the symbol mapper resolves each dataset's perts and genes.

    Returns
    -------
    pandas.DataFrame
        One row per (dataset, what): ``n``, ``resolved`` (share) and the count per
        resolution method (symbol, synonym, mitochondrial, ensembl-hint, ...).
    """
    from pqstats.knowledge.symbols import RESOLUTION_METHODS, load_symbol_mapper

    mapper = load_symbol_mapper()
    hints = perturbqa_ensembl_hints() if use_hints else None
    rows = []
    for name, lists in perturbqa_gene_lists().items():
        for what, genes in lists.items():
            rep = mapper.report(genes, hints)
            row = {"dataset": name, "what": what, "n": rep["n"], "resolved": rep["resolved"]}
            row.update({m: rep[m] for m in RESOLUTION_METHODS})
            row["ambiguous"] = rep["ambiguous"]
            row["unresolved_examples"] = ", ".join(rep["unresolved_examples"])
            rows.append(row)
    return pd.DataFrame(rows)
