"""Gene names of an imported screen, resolved once, before anything compares them.

The one place the import resolves names (perturbations, readout genes and guide
targets alike), through the one gene-name resolver, :mod:`pqstats.knowledge.symbols`,
with the mapper of the default knowledge graph (the mapper the models use). It runs
before duplicates are checked, labels are drawn or the split is made, so two spellings
of one gene are one gene everywhere after it.

Each distinct name gets a *gene*: the official symbol it resolves to, after dropping
surrounding whitespace and, failing an exact match, in upper case (``" tp53"`` →
``TP53``; the same rule as ``predict`` and ``explain``), by official symbol, NCBI GeneID,
Ensembl id or alias; a name the resolver does not know is its own gene (stripped).

What is written to the tables, per gene:

* a symbol written exactly as the resolver knows it (an official symbol, or an outdated
  symbol or alias such as PerturbQA's ``AARS``) is kept as written, so an import of a
  PerturbQA file gives back that file unchanged;
* any other spelling (an identifier, another case, surrounding spaces) becomes the
  official symbol;
* when several spellings of the file name one gene, all of them become one name (the
  official symbol when the file uses it, else the first spelling in sorted order), and
  the merge is counted (``merged_spellings``) with examples;
* a name the resolver does not know is kept (stripped), counted, and reported with the
  closest known symbols (``suggestions``); it and any gene the graph has no edges for
  are counted as unknown to the graph (``unknown_examples``): the models give them no
  knowledge features.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["NameResolution", "resolve_names", "numeric_names"]

_IDENTIFIER = re.compile(r"^(ENSG\d{11}(\.\d+)?|\d+)$")
_DIGITS = re.compile(r"^\d+$")


class NameResolution(dict):
    """``name as in the file → name written to the tables``, with ``counts`` and ``key``.

    ``key[name]`` is the gene a name stands for (official symbol, or the stripped name when
    unknown): what duplicates and the split compare.
    """

    def __init__(self, mapping: dict[str, str], key: dict[str, str], counts: dict) -> None:
        super().__init__(mapping)
        self.key = key
        self.counts = counts


def numeric_names(names: Iterable[str]) -> list[str]:
    """The names that are whole numbers (``"0"``, ``"7157"``), in sorted order."""
    return sorted({str(n).strip() for n in names if _DIGITS.match(str(n).strip())})


def _mapper_and_pool():
    from pqstats.knowledge.graph import default_graph

    kg = default_graph()
    return kg.mapper, kg.genes


def resolve_names(names: Iterable[str], mapper=None, pool=None) -> NameResolution:
    """Resolve the distinct names of one column of a screen (see the module docstring).

    Parameters
    ----------
    names : iterable of str
        Perturbation, target or gene names as they are in the user's file.
    mapper : SymbolMapper, optional
        The resolver (default: the default knowledge graph's).
    pool : sequence of str, optional
        Where suggestions for unknown names are looked for (default: the graph's genes).

    Returns
    -------
    NameResolution
        The mapping, ``key`` (the gene of each name) and ``counts``: ``n`` (distinct
        names), ``unknown``, ``unknown_examples`` (up to 10), ``suggestions`` (unknown
        example → up to 3 close symbols), ``renamed`` (names written otherwise than in
        the file), ``merged_spellings`` (names merged into another spelling of their
        gene), ``merged_examples`` (gene → its spellings, up to 10 genes).

    Raises
    ------
    ValueError
        An empty name (blank after stripping).
    """
    uniq = sorted({str(n) for n in names})
    blank = [n for n in uniq if not n.strip()]
    if blank:
        raise ValueError(f"{len(blank)} blank names ({blank[:3]}); every row needs a gene name")
    if mapper is None:
        mapper, pool = _mapper_and_pool()
    key: dict[str, str] = {}
    keep: dict[str, bool] = {}
    unknown: list[str] = []
    for raw in uniq:
        q = raw.strip()
        if q in mapper:
            key[raw], keep[raw] = q, raw == q
            continue
        sym = mapper.normalise([q])[0]
        exact = sym is not None
        if sym is None and q.upper() != q:
            sym = mapper.normalise([q.upper()])[0]
        if sym is None:
            key[raw], keep[raw] = q, True
            unknown.append(q)
            continue
        key[raw] = sym
        keep[raw] = exact and raw == q and not _IDENTIFIER.match(q)
    written = {raw: (raw if keep[raw] else key[raw]) for raw in uniq}
    raws: dict[str, list[str]] = {}
    for raw in uniq:
        raws.setdefault(key[raw], []).append(raw)
    merged: dict[str, list[str]] = {}
    for gene, names_of in raws.items():
        if len(names_of) > 1:
            spelt = {written[r] for r in names_of}
            chosen = gene if gene in spelt else sorted(spelt)[0]
            merged[gene] = sorted(names_of)
            for raw in names_of:
                written[raw] = chosen
    refused = sorted(set(unknown))  # no NCBI symbol, alias or id matches them
    pool_list = list(pool) if pool is not None else sorted(mapper.symbols)
    in_pool = set(pool_list)
    # unknown to the graph: refused names, and genes the graph has no edges for
    unknown = sorted({key[r] for r in uniq if key[r] not in in_pool})
    upper = {p.upper(): p for p in pool_list}
    suggestions = {u: [upper[m] for m in difflib.get_close_matches(u.upper(), list(upper),
                                                                   n=3, cutoff=0.75)]
                   for u in refused[:10]}
    counts = {"n": len(uniq), "unknown": len(unknown), "unknown_examples": unknown[:10],
              "refused": len(refused),
              "suggestions": {u: s for u, s in suggestions.items() if s},
              "renamed": sum(written[r] != r for r in uniq),
              "merged_spellings": sum(len(v) for v in merged.values()) - len(merged),
              "merged_examples": dict(list(merged.items())[:10])}
    return NameResolution(written, key, counts)
