"""Readers for the standard formats of the knowledge bundle.

Each reader takes a path (plain or gzip, detected from the bytes), validates the file
and returns plain Python / pandas / networkx objects. They work on any file in the
same format, not only the bundle's. Readers that yield gene identifiers take an optional
``mapper`` (any :class:`SymbolLookup`, e.g. :class:`pqstats.knowledge.SymbolMapper`);
with it they add current official symbols (``None`` where unresolved), which is how the
knowledge graph normalises every source. The readers only need that interface, so this
module does not import :mod:`pqstats.knowledge.symbols` (which reads ``gene_info`` with
:func:`read_gene_info` from here).

Malformed input raises :class:`KnowledgeFormatError` naming the file, the line and a fix.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import networkx as nx
import numpy as np
import obonet
import pandas as pd

from pqstats.knowledge._parse import (
    KnowledgeFormatError,
    check_column,
    matches,
    read_table,
    read_text,
    split_lines,
)

__all__ = [
    "GO_NAMESPACES",
    "SymbolLookup",
    "GeneSetRecord",
    "read_obo",
    "read_gene2go",
    "read_gene_info",
    "read_gmt",
    "read_gmt_records",
    "read_bioplex",
    "read_string",
    "read_string_info",
    "read_huri",
    "read_corum",
    "read_trrust",
]

PathLike = str | os.PathLike


class SymbolLookup(Protocol):
    """What a reader's ``mapper`` must do: map identifiers to current official symbols
    (None where unresolved). :class:`pqstats.knowledge.SymbolMapper` is one."""

    def normalise(self, symbols: Sequence[str]) -> list[str | None]: ...

    def from_entrez(self, ids) -> list[str | None]: ...

    def from_ensembl(self, ids: Sequence[str]) -> list[str | None]: ...

#: GO namespaces → the short aspect names used for edge types (``go:BP`` ...).
GO_NAMESPACES: dict[str, str] = {
    "biological_process": "BP",
    "molecular_function": "MF",
    "cellular_component": "CC",
}
#: gene2go ``Category`` → aspect.
GENE2GO_CATEGORIES: dict[str, str] = {"Process": "BP", "Function": "MF", "Component": "CC"}

_GO_ID = re.compile(r"^GO:\d{7}$")
_OBO_ALWAYS = frozenset({"id", "name", "namespace", "is_a", "relationship", "is_obsolete",
                         "format-version", "data-version", "ontology", "default-namespace"})
_OBO_TAG = re.compile(r"^[^\s:!\[][^\s:]*:")


# --------------------------------------------------------------------------- OBO
def _obo_lines(path: PathLike) -> list[str]:
    return split_lines(read_text(path))


def _obo_check_lines(path: PathLike, lines: list[str]) -> None:
    """Reject lines obonet would misread: a tag with spaces, a stanza without a blank line."""
    stanza, start, has_id = "", 0, True
    for i, ln in enumerate([*lines, ""], start=1):
        s = ln.strip()
        if not s and stanza == "[Term]" and not has_id:
            raise KnowledgeFormatError(path, start, "[Term] stanza without an 'id:' line",
                                       "give every term an id")
        if not s:
            stanza = ""
            continue
        if s.startswith("!"):
            continue
        if s.startswith("id:"):
            has_id = True
        if s.startswith("["):
            stanza, start, has_id = s, i, False
            if not s.endswith("]"):
                raise KnowledgeFormatError(path, i, f"malformed stanza header {s[:60]!r}",
                                           "write [Term] or [Typedef]")
            if i > 1 and lines[i - 2].strip():
                raise KnowledgeFormatError(
                    path, i, f"stanza header {s} does not follow a blank line",
                    "separate stanzas with a blank line",
                )
            continue
        if not _OBO_TAG.match(s):
            raise KnowledgeFormatError(
                path, i, f"not an OBO 'tag: value' line: {ln[:120]!r}",
                "each line inside a stanza must be 'tag: value' (was the line truncated?)",
            )


def _obo_find(lines: list[str], term: str, tag: str | None = None,
              value: str | None = None) -> int | None:
    """1-based line of term ``term``'s ``id:`` line, or of its ``tag: value`` line."""
    start = None
    for i, ln in enumerate(lines):
        if start is None:
            if ln.strip() == f"id: {term}":
                start = i
                if tag is None:
                    return i + 1
            continue
        s = ln.strip()
        if not s or s.startswith("["):
            break
        if s.startswith(f"{tag}:") and (value is None or value in s):
            return i + 1
    return start + 1 if start is not None else None


def read_obo(path: PathLike, *, ignore_obsolete: bool = True,
             namespaces: dict[str, str] | None = None,
             tags: Collection[str] | None = None) -> nx.MultiDiGraph:
    """Read an OBO ontology (e.g. ``go-basic.obo``) with obonet and validate it.

    Parameters
    ----------
    path : path-like
        OBO 1.2 file, plain or gzip.
    ignore_obsolete : bool
        Leave out terms marked ``is_obsolete: true`` (obonet's default).
    namespaces : dict, optional
        Allowed ``namespace`` values; defaults to the three GO namespaces
        (:data:`GO_NAMESPACES`). Pass ``{}`` to accept any namespace.
    tags : collection of str, optional
        Parse only these term tags (``id``, ``name``, ``namespace``, ``is_a`` and
        ``relationship`` are always kept), e.g. ``()`` to skip definitions and
        synonyms: about twice as fast on go-basic. All lines are still syntax-checked.

    Returns
    -------
    networkx.MultiDiGraph
        One node per term (attributes ``name``, ``namespace``, ``def``, ``alt_id`` ...)
        and one edge per relation, from child to parent, keyed by relation type
        (``is_a``, ``part_of``, ``regulates``, ``positively_regulates``,
        ``negatively_regulates``). Graph attribute ``data-version`` is the release.

    Raises
    ------
    KnowledgeFormatError
        A line is not ``tag: value``; a term has no id / name or an unknown namespace;
        a relation points at an undefined term; or the relations form a cycle.
    """
    lines = _obo_lines(path)
    if not any(ln.startswith("[Term]") for ln in lines):
        raise KnowledgeFormatError(path, None, "no [Term] stanza found",
                                   "pass an OBO ontology file such as go-basic.obo")
    _obo_check_lines(path, lines)
    text_lines = lines
    if tags is not None:
        keep = set(tags) | _OBO_ALWAYS
        text_lines = [ln for ln in lines
                      if not ln or ln[0] in "[!" or ln.split(":", 1)[0] in keep
                      or ":" not in ln]
    try:
        graph = obonet.read_obo(io.StringIO("\n".join(text_lines) + "\n"),
                                ignore_obsolete=ignore_obsolete)
    except (ValueError, KeyError) as err:
        raise KnowledgeFormatError(path, None, f"obonet could not parse the file ({err!r})",
                                   "check that it is an OBO 1.2 file") from None
    for u, v, rel in graph.edges(keys=True):
        if "name" not in graph.nodes[v]:
            raise KnowledgeFormatError(
                path, _obo_find(lines, u, "is_a" if rel == "is_a" else "relationship", v),
                f"{u} {rel} {v}, but {v} is not defined (or is obsolete)",
                "add the parent term or remove the relation",
            )
    allowed = GO_NAMESPACES if namespaces is None else namespaces
    for node, data in graph.nodes(data=True):
        if "name" not in data:
            raise KnowledgeFormatError(path, _obo_find(lines, node),
                                       f"term {node} has no name", "add a 'name:' line")
        if allowed and data.get("namespace") not in allowed:
            raise KnowledgeFormatError(
                path, _obo_find(lines, node, "namespace"),
                f"term {node} has unknown namespace {data.get('namespace')!r}",
                f"use one of {', '.join(allowed)}",
            )
    cycle = None
    if not nx.is_directed_acyclic_graph(graph):  # fast check; find the cycle only if needed
        cycle = nx.find_cycle(graph)
    if cycle:
        u, v, rel = cycle[-1][:3]
        loop = " -> ".join([c[0] for c in cycle] + [cycle[0][0]])
        raise KnowledgeFormatError(
            path, _obo_find(lines, u, "is_a" if rel == "is_a" else "relationship", v),
            f"the relations form a cycle: {loop}",
            "an ontology must be acyclic; remove one relation of the cycle",
        )
    return graph


# ----------------------------------------------------------------------- gene2go
_GENE2GO_HEADER = ["#tax_id", "GeneID", "GO_ID", "Evidence", "Qualifier", "GO_term",
                   "PubMed", "Category"]


def read_gene2go(
    path: PathLike,
    evidence_exclude: tuple[str, ...] | list[str] = (),
    *,
    tax_id: int | None = 9606,
    include_not: bool = False,
    mapper: SymbolLookup | None = None,
) -> pd.DataFrame:
    """Read an NCBI ``gene2go`` file (direct gene → GO annotations).

    Parameters
    ----------
    path : path-like
        gene2go file (8 tab-separated columns, ``#tax_id`` header), plain or gzip.
    evidence_exclude : sequence of str
        Evidence codes to drop, e.g. ``("IEA",)`` for no electronic annotations.
    tax_id : int or None
        Keep this taxon only (human by default); None keeps all.
    include_not : bool
        Keep rows whose Qualifier starts with ``NOT`` (negative annotations).
    mapper : SymbolLookup, optional
        Adds a ``symbol`` column: the current symbol of ``GeneID``.

    Returns
    -------
    pandas.DataFrame
        Columns ``tax_id, GeneID`` (int64), ``GO_ID, Evidence, Qualifier, GO_term, PubMed,
        Category``, ``aspect`` (BP / MF / CC) and, with a mapper, ``symbol``.
    """
    def header(fields: list[str]) -> str | None:
        if fields != _GENE2GO_HEADER:
            return (f"not a gene2go header: expected {' '.join(_GENE2GO_HEADER)!r}, found "
                    f"{' '.join(fields)!r}")
        return None

    df = read_table(path, sep="\t", header=header, what="gene2go file")
    for col in ("tax_id", "GeneID"):
        check_column(df, col, matches(df[col], r"\d+"), f"{col} is not an integer",
                     "the first two columns must be the NCBI taxon and Gene ids")
    check_column(df, "GO_ID", matches(df["GO_ID"], _GO_ID.pattern), "malformed GO id",
                 "the third column must be a GO id like GO:0005634")
    check_column(df, "Category", df["Category"].isin(GENE2GO_CATEGORIES),
                 "unknown GO category (namespace)",
                 f"Category must be one of {', '.join(GENE2GO_CATEGORIES)}")
    df["tax_id"] = df["tax_id"].astype(np.int64)
    df["GeneID"] = df["GeneID"].astype(np.int64)
    keep = np.ones(len(df), dtype=bool)
    if tax_id is not None:
        keep &= (df["tax_id"] == tax_id).to_numpy()
    if evidence_exclude:
        keep &= ~df["Evidence"].isin(list(evidence_exclude)).to_numpy()
    if not include_not:
        keep &= ~df["Qualifier"].str.startswith("NOT").to_numpy()
    df = df[keep].reset_index(drop=True)
    df["aspect"] = df["Category"].map(GENE2GO_CATEGORIES)
    if mapper is not None:
        df["symbol"] = mapper.from_entrez(df["GeneID"].to_numpy())
    return df


# --------------------------------------------------------------------- gene_info
_GENE_INFO_FIRST = ["#tax_id", "GeneID", "Symbol", "LocusTag", "Synonyms", "dbXrefs",
                    "chromosome", "map_location", "description", "type_of_gene"]


def read_gene_info(path: PathLike) -> pd.DataFrame:
    """Read an NCBI ``gene_info`` file (e.g. ``Homo_sapiens.gene_info.gz``).

    Returns
    -------
    pandas.DataFrame
        The file's columns (``tax_id`` without ``#``; ``GeneID`` int64; the rest str,
        ``-`` for missing as in NCBI files).
    """
    def header(fields: list[str]) -> str | None:
        if fields[: len(_GENE_INFO_FIRST)] != _GENE_INFO_FIRST:
            return (f"not a gene_info header: expected it to start with "
                    f"{' '.join(_GENE_INFO_FIRST)!r}")
        return None

    df = read_table(path, sep="\t", header=header, what="gene_info file")
    check_column(df, "GeneID", matches(df["GeneID"], r"\d+"), "GeneID is not an integer",
                 "the second column must be the NCBI Gene id")
    check_column(df, "Symbol", df["Symbol"].str.len() > 0, "empty Symbol",
                 "every gene needs a symbol")
    df["GeneID"] = df["GeneID"].astype(np.int64)
    dup = df["GeneID"].duplicated()
    check_column(df, "GeneID", ~dup.to_numpy(), "duplicate GeneID", "each gene once")
    return df


# --------------------------------------------------------------------------- GMT
@dataclass(frozen=True)
class GeneSetRecord:
    """One line of a GMT file."""

    name: str
    description: str
    genes: tuple[str, ...]
    line: int


def read_gmt_records(path: PathLike) -> list[GeneSetRecord]:
    """Read a GMT file keeping each set's description and line number.

    GMT: one set per line, ``name<TAB>description<TAB>gene<TAB>gene...``. Empty gene
    fields (e.g. a trailing tab) are ignored; duplicate genes within a set are dropped,
    keeping the first occurrence.

    Raises
    ------
    KnowledgeFormatError
        A line has fewer than three fields or no gene; a set name is empty or repeated.
    """
    records: list[GeneSetRecord] = []
    seen: dict[str, int] = {}
    for i, ln in enumerate(split_lines(read_text(path)), start=1):
        if not ln.strip():
            continue
        fields = ln.split("\t")
        genes = tuple(dict.fromkeys(g.strip() for g in fields[2:] if g.strip()))
        if len(fields) < 3 or not genes:
            raise KnowledgeFormatError(
                path, i, f"a GMT line needs a name, a description and genes, found "
                f"{len(fields)} field(s): {ln[:120]!r}",
                "write name<TAB>description<TAB>gene1<TAB>gene2... (the line may be truncated)",
            )
        name = fields[0].strip()
        if not name:
            raise KnowledgeFormatError(path, i, "empty gene-set name", "give every set a name")
        if name in seen:
            raise KnowledgeFormatError(
                path, i, f"gene-set name {name!r} repeats line {seen[name]}",
                "give each set a unique name",
            )
        seen[name] = i
        records.append(GeneSetRecord(name, fields[1], genes, i))
    return records


def read_gmt(path: PathLike, *, mapper: SymbolLookup | None = None) -> dict[str, list[str]]:
    """Read a GMT file: set name → genes (in file order).

    Parameters
    ----------
    path : path-like
        GMT file, plain or gzip.
    mapper : SymbolLookup, optional
        Normalise genes to current symbols; unresolved genes are dropped, and a set
        whose genes all fail is kept empty (so names stay complete).
    """
    records = read_gmt_records(path)
    if mapper is None:
        return {r.name: list(r.genes) for r in records}
    all_genes = list({g for r in records for g in r.genes})
    lookup = dict(zip(all_genes, mapper.normalise(all_genes), strict=True))
    out: dict[str, list[str]] = {}
    for r in records:
        mapped = [lookup[g] for g in r.genes]
        out[r.name] = list(dict.fromkeys(s for s in mapped if s is not None))
    return out


# ------------------------------------------------------------------------ BioPlex
_BIOPLEX_HEADER = ["GeneA", "GeneB", "UniprotA", "UniprotB", "SymbolA", "SymbolB",
                   "pW", "pNI", "pInt"]


def read_bioplex(path: PathLike, *, mapper: SymbolLookup | None = None) -> pd.DataFrame:
    """Read a BioPlex interaction TSV (e.g. ``BioPlex_293T_Network_10K_Dec_2019.tsv``).

    Parameters
    ----------
    path : path-like
        BioPlex network file with the 9 standard columns (quoted or not).
    mapper : SymbolLookup, optional
        Adds ``symbolA`` / ``symbolB``: the current symbol of the Entrez id, falling back
        to resolving ``SymbolA`` / ``SymbolB`` when the id is unknown.

    Returns
    -------
    pandas.DataFrame
        ``GeneA, GeneB`` (int64), ``UniprotA, UniprotB, SymbolA, SymbolB`` (str),
        ``pW, pNI, pInt`` (float).
    """
    def header(fields: list[str]) -> str | None:
        clean = [f.strip('"') for f in fields]
        if clean != _BIOPLEX_HEADER:
            return f"not a BioPlex header: expected {' '.join(_BIOPLEX_HEADER)!r}"
        return None

    df = read_table(path, sep="\t", header=header, quoting=csv.QUOTE_MINIMAL,
                    what="BioPlex file")
    for col in ("GeneA", "GeneB"):
        check_column(df, col, matches(df[col], r"\d+"), f"{col} is not an Entrez id",
                     "GeneA / GeneB must be integer Entrez ids")
        df[col] = df[col].astype(np.int64)
    for col in ("pW", "pNI", "pInt"):
        num = pd.to_numeric(df[col], errors="coerce")
        check_column(df, col, num.notna(), f"{col} is not a number", "fix the value")
        df[col] = num.astype(float)
    if mapper is not None:
        for side in ("A", "B"):
            sym = pd.Series(mapper.from_entrez(df[f"Gene{side}"].to_numpy()), dtype=object)
            missing = sym.isna().to_numpy()
            if missing.any():
                sym[missing] = mapper.normalise(df.loc[missing, f"Symbol{side}"].tolist())
            df[f"symbol{side}"] = sym.to_numpy()
    return df


# ------------------------------------------------------------------------- STRING
def read_string_info(path: PathLike) -> pd.DataFrame:
    """Read a STRING ``protein.info`` file: ``string_protein_id, preferred_name`` (+ extra).

    The bundle's copy has two columns; upstream adds ``protein_size`` and ``annotation``.
    A protein id may appear on several rows (gene clusters such as histones).
    """
    def header(fields: list[str]) -> str | None:
        if fields[:2] != ["#string_protein_id", "preferred_name"]:
            return "not a STRING protein.info header (#string_protein_id, preferred_name ...)"
        return None

    return read_table(path, sep="\t", header=header, what="STRING protein.info file")


def read_string(
    links: PathLike,
    info: PathLike | None = None,
    *,
    min_score: int | None = None,
    mapper: SymbolLookup | None = None,
) -> pd.DataFrame:
    """Read STRING ``protein.links`` (space-separated) and attach symbols from ``info``.

    Parameters
    ----------
    links : path-like
        ``protein1 protein2 [combined_score]`` with a header line. The bundle's file has
        no score column (it holds only edges with score >= 900, each pair once).
    info : path-like, optional
        ``protein.info`` file; adds ``symbol1`` / ``symbol2`` (the preferred names). A
        protein with several preferred names yields one row per name.
    min_score : int, optional
        Keep links with ``combined_score >= min_score`` (needs the score column).
    mapper : SymbolLookup, optional
        Normalise the preferred names to current symbols (``None`` if unresolved).

    Returns
    -------
    pandas.DataFrame
        ``protein1, protein2`` (+ ``combined_score`` int, ``symbol1, symbol2``).
    """
    def header(fields: list[str]) -> str | None:
        if fields[:2] != ["protein1", "protein2"] or len(fields) > 3:
            return ("not a STRING links header: expected 'protein1 protein2' or "
                    "'protein1 protein2 combined_score'")
        return None

    df = read_table(links, sep=" ", header=header, what="STRING links file")
    for col in ("protein1", "protein2"):
        check_column(df, col, matches(df[col], r"\d+\.\S+"),
                     "not a STRING protein id (taxon.protein)",
                     "ids look like 9606.ENSP00000000233")
    if "combined_score" in df:
        score = pd.to_numeric(df["combined_score"], errors="coerce")
        check_column(df, "combined_score", score.notna(), "combined_score is not a number",
                     "fix the value")
        df["combined_score"] = score.astype(np.int64)
        if min_score is not None:
            df = df[df["combined_score"] >= min_score]
    elif min_score is not None:
        raise KnowledgeFormatError(links, 1, "min_score given but the file has no scores",
                                   "omit min_score, or pass a file with combined_score")
    df = df.reset_index(drop=True)
    if info is None:
        return df
    names = read_string_info(info)[["string_protein_id", "preferred_name"]]
    names = names.drop_duplicates()
    if mapper is not None:
        names = names.assign(preferred_name=mapper.normalise(names["preferred_name"].tolist()))
    out = df.merge(names.rename(columns={"string_protein_id": "protein1",
                                         "preferred_name": "symbol1"}),
                   on="protein1", how="left")
    out = out.merge(names.rename(columns={"string_protein_id": "protein2",
                                          "preferred_name": "symbol2"}),
                    on="protein2", how="left")
    out[["symbol1", "symbol2"]] = out[["symbol1", "symbol2"]].astype(object)
    out = out.where(out.notna(), None)
    return out


# --------------------------------------------------------------------------- HuRI
_ENSG = r"ENSG\d{11}(\.\d+)?"


def read_huri(path: PathLike, *, mapper: SymbolLookup | None = None) -> pd.DataFrame:
    """Read HuRI (two tab-separated Ensembl gene ids per line, no header).

    A first line without Ensembl ids (e.g. ``A<TAB>B``) is taken as a header and skipped.
    Version suffixes (``.12``) are removed.

    Returns
    -------
    pandas.DataFrame
        ``ensembl1, ensembl2`` (+ ``symbol1, symbol2`` with a mapper).
    """
    text_first = split_lines(read_text(path))[:1]
    has_header = bool(text_first) and not re.match(r"^ENSG", text_first[0])

    def header(fields: list[str]) -> str | None:
        if len(fields) != 2:
            return f"HuRI has 2 columns, the first line has {len(fields)}"
        return None

    if has_header:
        df = read_table(path, sep="\t", header=header, what="HuRI file")
        df.columns = ["ensembl1", "ensembl2"]
    else:
        df = read_table(path, sep="\t", columns=["ensembl1", "ensembl2"], what="HuRI file")
    for col in ("ensembl1", "ensembl2"):
        check_column(df, col, matches(df[col], _ENSG), "not an Ensembl gene id",
                     "HuRI lines are two Ensembl gene ids (ENSG...) separated by a tab")
        df[col] = df[col].str.replace(r"\.\d+$", "", regex=True)
    if mapper is not None:
        df["symbol1"] = mapper.from_ensembl(df["ensembl1"].tolist())
        df["symbol2"] = mapper.from_ensembl(df["ensembl2"].tolist())
    return df


# -------------------------------------------------------------------------- CORUM
#: CORUM 4.x column names, and the CORUM 5 names they correspond to.
_CORUM_COLUMNS = {
    "ComplexID": "complex_id",
    "ComplexName": "complex_name",
    "Organism": "organism",
    "subunits(Entrez IDs)": "subunits_entrez_id",
    "subunits(Gene name)": "subunits_gene_name",
}


def read_corum(path: PathLike, *, mapper: SymbolLookup | None = None) -> pd.DataFrame:
    """Read CORUM complexes (``humanComplexes.txt`` / ``allComplexes.txt``).

    The file is tab-separated and read without quote handling (names contain ``"``).
    Both CORUM 4 column names (``ComplexID``, ``subunits(Gene name)`` ...) and CORUM 5
    names (``complex_id``, ``subunits_gene_name`` ...) are accepted.

    Returns
    -------
    pandas.DataFrame
        All the file's columns (CORUM 4 names), ``ComplexID`` as int64, plus
        ``genes`` (list of subunit gene names, ``None`` entries dropped) and ``entrez``
        (list of Entrez ids or None, aligned with the subunit list) and, with a mapper,
        ``symbols`` (current symbols: Entrez id first, else the gene name; unresolved
        subunits dropped, order kept, duplicates removed).
    """
    def header(fields: list[str]) -> str | None:
        names = set(fields) | {_CORUM_COLUMNS.get(f, f) for f in fields}
        inv = {v: k for k, v in _CORUM_COLUMNS.items()}
        names |= {inv.get(f, f) for f in fields}
        need = ["ComplexID", "ComplexName", "subunits(Gene name)"]
        missing = [c for c in need if c not in names]
        if missing:
            return f"not a CORUM header: missing column(s) {', '.join(missing)}"
        return None

    df = read_table(path, sep="\t", header=header, what="CORUM file")
    inv = {v: k for k, v in _CORUM_COLUMNS.items()}
    df = df.rename(columns={c: inv[c] for c in df.columns if c in inv})
    check_column(df, "ComplexID", matches(df["ComplexID"], r"\d+"),
                 "ComplexID is not an integer", "the first column must be the complex id")
    df["ComplexID"] = df["ComplexID"].astype(np.int64)

    def split(v: str) -> list[str]:
        return [] if v in ("", "None") else [x.strip() for x in v.split(";")]

    genes = [split(v) for v in df["subunits(Gene name)"]]
    if "subunits(Entrez IDs)" in df:
        entrez = [[int(x) if x.isdigit() else None for x in split(v)]
                  for v in df["subunits(Entrez IDs)"]]
    else:
        entrez = [[None] * len(g) for g in genes]
    df["entrez"] = entrez
    df["genes"] = [[x for x in g if x and x != "None"] for g in genes]
    if mapper is not None:
        df["symbols"] = _corum_symbols(genes, entrez, mapper)
    return df


def _corum_symbols(genes: list[list[str]], entrez: list[list[int | None]],
                   mapper: SymbolLookup) -> list[list[str]]:
    """Current symbols of each complex's subunits.

    Where the Entrez and gene-name lists align (same length), each subunit resolves by
    its Entrez id, else by its name. Where they do not (65 complexes of CORUM 4.1 have
    an empty Entrez entry such as ``3840;;3837``), the symbols of all Entrez ids come
    first, then those of the names not already present.
    """
    uniq_names = list({x for g in genes for x in g if x})
    by_name = dict(zip(uniq_names, mapper.normalise(uniq_names), strict=True))
    uniq_ids = sorted({x for e in entrez for x in e if x is not None})
    by_id = dict(zip(uniq_ids, mapper.from_entrez(np.array(uniq_ids, dtype=np.int64)),
                     strict=True))
    out = []
    for g, e in zip(genes, entrez, strict=True):
        if len(g) == len(e):
            syms = [(by_id.get(i) if i is not None else None) or by_name.get(n)
                    for n, i in zip(g, e, strict=True)]
        else:
            syms = [by_id.get(i) for i in e if i is not None] + [by_name.get(n) for n in g]
        out.append(list(dict.fromkeys(s for s in syms if s is not None)))
    return out


# ------------------------------------------------------------------------- TRRUST
TRRUST_SIGN = {"Activation": 1, "Repression": -1, "Unknown": 0}


def read_trrust(path: PathLike, *, mapper: SymbolLookup | None = None) -> pd.DataFrame:
    """Read TRRUST raw data (``TF, Target, mode, PMIDs``; tab-separated, no header).

    Returns
    -------
    pandas.DataFrame
        ``tf, target, mode, pmids`` (str) and ``sign`` (int8: +1 Activation,
        -1 Repression, 0 Unknown); with a mapper also ``tf_symbol, target_symbol``.
    """
    df = read_table(path, sep="\t", columns=["tf", "target", "mode", "pmids"],
                    what="TRRUST file")
    check_column(df, "mode", df["mode"].isin(TRRUST_SIGN),
                 "unknown regulation mode",
                 f"the third column must be one of {', '.join(TRRUST_SIGN)}")
    check_column(df, "tf", (df["tf"].str.len() > 0) & (df["target"].str.len() > 0),
                 "empty TF or target", "both gene columns need a symbol")
    df["sign"] = df["mode"].map(TRRUST_SIGN).astype(np.int8)
    if mapper is not None:
        df["tf_symbol"] = mapper.normalise(df["tf"].tolist())
        df["target_symbol"] = mapper.normalise(df["target"].tolist())
    return df
