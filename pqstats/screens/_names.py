"""Gene names of an imported screen, resolved against the knowledge graph.

The one place the import resolves names (perturbations and readout genes alike). It
resolves them exactly as the models resolve perturbations of the built-in screens, with
:func:`pqstats.knowledge.graph.canonical_symbols` on the default knowledge graph.

What is written to the tables:

* a name that is an identifier (Ensembl ``ENSG...`` or an all-digit NCBI GeneID) and that
  the graph knows is replaced by the graph's symbol, so the tables read like the built-in
  ones;
* a symbol is kept as written: the models map outdated symbols and aliases to the graph's
  symbol when they look a gene up (``AARS`` → ``AARS1``), as they do for the built-in
  screens, so an import of a PerturbQA file gives back that file unchanged;
* a name the graph does not know is kept too (a model gives it no knowledge features, as
  for unknown genes of the built-in screens). It is never dropped: the import counts such
  names and lists examples in the manifest.

Two distinct names that would become the same symbol keep their own names (and are
counted as ``name_clashes``), so resolution never merges rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["resolve_names"]

_IDENTIFIER = re.compile(r"^(ENSG\d{11}(\.\d+)?|\d+)$")


def _graph_symbols(names: list[str]) -> tuple[list[str], frozenset[str]]:
    """The graph's symbol of each name (the name itself when unknown), and its genes."""
    from pqstats.knowledge.graph import canonical_symbols, default_graph

    kg = default_graph()
    return list(canonical_symbols(kg, names)), frozenset(kg.genes)


def resolve_names(names: Iterable[str]) -> tuple[dict[str, str], dict[str, object]]:
    """Decide the name written to the tables for each distinct input name.

    Parameters
    ----------
    names : iterable of str
        Perturbation or gene names as they are in the user's file.

    Returns
    -------
    (dict, dict)
        ``name → table name`` for every distinct name, and counts: ``n`` (distinct
        names), ``unknown`` (not in the knowledge graph), ``unknown_examples`` (up to
        10), ``renamed`` (identifiers replaced by a symbol), ``name_clashes``.
    """
    uniq = sorted({str(n) for n in names})
    if not uniq:
        return {}, {"n": 0, "unknown": 0, "unknown_examples": [], "renamed": 0,
                    "name_clashes": 0}
    symbols, known = _graph_symbols(uniq)
    mapping = {n: (s if _IDENTIFIER.match(n) and s in known else n)
               for n, s in zip(uniq, symbols, strict=True)}
    clashes = 0
    while True:  # undo renames that would merge two input names (rare; a few rounds)
        owners: dict[str, list[str]] = {}
        for n, out in mapping.items():
            owners.setdefault(out, []).append(n)
        merged = [n for group in owners.values() if len(group) > 1 for n in group
                  if mapping[n] != n]
        if not merged:
            break
        clashes += len(merged)
        for n in merged:
            mapping[n] = n
    unknown = [n for n, s in zip(uniq, symbols, strict=True) if s not in known]
    counts = {"n": len(uniq), "unknown": len(unknown), "unknown_examples": unknown[:10],
              "renamed": sum(mapping[n] != n for n in uniq), "name_clashes": clashes}
    return mapping, counts
