"""Gene symbol normalisation: every identifier → one current official symbol.

One :class:`SymbolMapper`, built from NCBI ``gene_info`` (official symbols, synonyms,
Ensembl cross-references), is the single gateway through which every reader's genes
pass, so all sources meet in one namespace: the ``Symbol`` column of gene_info.

Resolution order for a query (first match wins; the ``method`` column of
:meth:`SymbolMapper.resolve` says which):

1. ``symbol``: an official symbol, exactly (case-sensitive).
2. ``entrez``: an all-digit query is an NCBI GeneID.
3. ``ensembl``: ``ENSG...`` (version suffix ignored) via the ``Ensembl:`` xrefs.
4. ``mitochondrial``: HGNC ``MT-CO1`` style → NCBI's mitochondrial gene whose synonym
   is ``MTCO1`` (NCBI names it ``COX1``).
5. ``synonym``: an alias or previous symbol listed in ``Synonyms``.
6. ``orf-case``: an upper-cased open-reading-frame symbol (``C9ORF72`` → ``C9orf72``),
   as some libraries write them, retried by steps 1 and 5.
7. ``ensembl-hint``: when the caller passes ``ensembl_hints`` (query → Ensembl id, e.g.
   the PerturbQA ``k562_gw_mapping_full.json``), an unresolved or *ambiguous* query is
   resolved through its Ensembl id.
8. ``unresolved``: none of the above; the query maps to ``None``.

Ambiguity (a name that several genes list, or an Ensembl id shared by several genes) is
resolved deterministically: prefer the gene whose symbol starts with the query (old
``GARS`` → ``GARS1``), then protein-coding genes, then the lowest GeneID (the older
record; ``TAZ`` → ``TAFAZZIN``, not ``WWTR1``). The ``candidates`` column counts the
genes that competed, so ambiguous resolutions stay visible in the report.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from pqstats.knowledge.readers import read_gene_info

__all__ = [
    "SymbolMapper",
    "load_symbol_mapper",
    "RESOLUTION_METHODS",
    "UnknownGeneError",
    "AmbiguousGeneError",
    "UnmeasuredGeneError",
    "resolve_gene_names",
]

#: The resolution methods, in the order they are tried.
RESOLUTION_METHODS: tuple[str, ...] = (
    "symbol", "entrez", "ensembl", "mitochondrial", "synonym", "orf-case", "ensembl-hint",
    "unresolved",
)

_ENSG = re.compile(r"^(ENSG\d{11})(\.\d+)?$")
_ORF = re.compile(r"^C(\d+|X|Y)ORF(\d+)$")
_MISSING = {"", "-", "None", "none", "NA", "nan"}


class SymbolMapper:
    """Map gene identifiers (symbols, aliases, Entrez / Ensembl ids) to official symbols.

    Parameters
    ----------
    gene_info : pandas.DataFrame
        A table from :func:`pqstats.knowledge.read_gene_info` (columns ``GeneID, Symbol,
        Synonyms, dbXrefs, chromosome, description, type_of_gene``).

    Examples
    --------
    >>> mapper = load_symbol_mapper()                                   # doctest: +SKIP
    >>> mapper.normalise(["TP53", "GARS", "MT-CO1", "ENSG00000141510", "nope"])  # +SKIP
    ['TP53', 'GARS1', 'COX1', 'TP53', None]
    """

    def __init__(self, gene_info: pd.DataFrame) -> None:
        gi = gene_info[["GeneID", "Symbol", "Synonyms", "dbXrefs", "chromosome",
                        "description", "type_of_gene"]].copy()
        gi["GeneID"] = gi["GeneID"].astype(np.int64)
        gi = gi.sort_values("GeneID", kind="stable").reset_index(drop=True)
        self._coding = dict(zip(gi["GeneID"], gi["type_of_gene"] == "protein-coding",
                                strict=True))
        self._id_to_symbol: dict[int, str] = dict(zip(gi["GeneID"], gi["Symbol"], strict=True))
        # official symbols: duplicates (18 in NCBI) keep one record, protein-coding first
        ranked = gi.assign(_nc=gi["type_of_gene"] != "protein-coding").sort_values(
            ["_nc", "GeneID"], kind="stable")
        self._symbol_to_id: dict[str, int] = {}
        for sym, gid in zip(ranked["Symbol"], ranked["GeneID"], strict=True):
            self._symbol_to_id.setdefault(sym, int(gid))
        self._chrom = dict(zip(gi["GeneID"], gi["chromosome"], strict=True))
        self._name = dict(zip(gi["GeneID"], gi["description"], strict=True))
        self._syn_text = dict(zip(gi["GeneID"], gi["Synonyms"], strict=True))
        self._type = dict(zip(gi["GeneID"], gi["type_of_gene"], strict=True))
        # synonyms → candidate GeneIDs
        syn = gi[["GeneID", "Synonyms"]][gi["Synonyms"] != "-"]
        syn = syn.assign(alias=syn["Synonyms"].str.split("|")).explode("alias")
        syn = syn[~syn["alias"].isin(_MISSING)]
        self._synonyms: dict[str, list[int]] = {}
        for a, gid in zip(syn["alias"].tolist(), syn["GeneID"].tolist(), strict=True):
            self._synonyms.setdefault(a, []).append(int(gid))  # GeneIDs come sorted
        # Ensembl → candidate GeneIDs
        ens = gi["dbXrefs"].str.extractall(r"Ensembl:(ENSG\d{11})")
        ens_ids = gi["GeneID"].to_numpy()[ens.index.get_level_values(0)]
        self._ensembl: dict[str, list[int]] = {}
        for e, gid in zip(ens[0].to_numpy(), ens_ids, strict=True):
            self._ensembl.setdefault(e, []).append(int(gid))

    # ------------------------------------------------------------------ basics
    @classmethod
    def from_file(cls, path: str | os.PathLike) -> SymbolMapper:
        """Build a mapper from a gene_info file."""
        return cls(read_gene_info(path))

    @property
    def symbols(self) -> frozenset[str]:
        """All official symbols."""
        return frozenset(self._symbol_to_id)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._symbol_to_id

    def __len__(self) -> int:
        return len(self._id_to_symbol)

    def _best(self, ids: Sequence[int], query: str) -> int:
        """Deterministic choice among candidate genes (see the module docstring)."""
        if len(ids) == 1:
            return ids[0]
        q = query.upper()
        return min(ids, key=lambda g: (not self._id_to_symbol[g].upper().startswith(q),
                                       not self._coding[g], g))

    def _candidate_ids(self, q: str) -> tuple[list[int], str]:
        """(every GeneID the cleaned query can mean, method), hints not used."""
        gid = self._symbol_to_id.get(q)
        if gid is not None:
            return [gid], "symbol"
        if q.isdigit():
            g = int(q)
            return ([g], "entrez") if g in self._id_to_symbol else ([], "unresolved")
        m = _ENSG.match(q)
        if m:
            ids = self._ensembl.get(m.group(1), [])
            return (ids, "ensembl") if ids else ([], "unresolved")
        if q.startswith("MT-"):
            ids = [g for g in self._synonyms.get("MT" + q[3:], []) if self._chrom[g] == "MT"]
            if ids:
                return ids, "mitochondrial"
        ids = self._synonyms.get(q)
        if ids:
            return ids, "synonym"
        m = _ORF.match(q)
        if m:
            alt = f"C{m.group(1)}orf{m.group(2)}"
            gid = self._symbol_to_id.get(alt)
            if gid is not None:
                return [gid], "orf-case"
            ids = self._synonyms.get(alt)
            if ids:
                return ids, "orf-case"
        return [], "unresolved"

    def _lookup(self, q: str) -> tuple[int | None, str, int]:
        """(GeneID, method, n_candidates) for one cleaned query, hints not used."""
        ids, method = self._candidate_ids(q)
        if not ids:
            return None, "unresolved", 0
        return self._best(ids, q), method, len(ids)

    def candidates(self, query: object) -> tuple[list[str], str]:
        """Every official symbol ``query`` can mean, without a tie-break, and how.

        Unlike :meth:`resolve` (which picks one gene deterministically, as the readers of
        the knowledge sources need), this lists all genes an alias or Ensembl id names,
        so a caller taking names from a person can refuse an ambiguous one. Surrounding
        spaces are ignored.

        Returns
        -------
        (symbols, method)
            Sorted by GeneID; ``([], "unresolved")`` when nothing matches. ``method`` is
            one of :data:`RESOLUTION_METHODS` (never ``ensembl-hint``).
        """
        q = "" if query is None else str(query).strip()
        if q in _MISSING:
            return [], "unresolved"
        ids, method = self._candidate_ids(q)
        return list(dict.fromkeys(self._id_to_symbol[g] for g in ids)), method

    # ------------------------------------------------------------------ public
    def resolve(
        self,
        queries: Iterable[object],
        ensembl_hints: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Resolve identifiers and say how.

        Parameters
        ----------
        queries : iterable
            Symbols, aliases, ``ENSG`` ids or Entrez ids (str or int); None / NaN /
            ``-`` are unresolved.
        ensembl_hints : mapping, optional
            Query → Ensembl gene id, used for queries that are unresolved or ambiguous
            by name (method ``ensembl-hint``).

        Returns
        -------
        pandas.DataFrame
            One row per query, in order: ``query, symbol`` (None if unresolved),
            ``gene_id`` (Int64), ``method`` (see :data:`RESOLUTION_METHODS`),
            ``candidates`` (number of genes the name matched; > 1 means a tie-break).
        """
        qs = list(queries)
        cache: dict[object, tuple[int | None, str, int]] = {}
        rows = []
        for raw in qs:
            if raw in cache:
                rows.append(cache[raw])
                continue
            if raw is None or (isinstance(raw, float) and np.isnan(raw)):
                res: tuple[int | None, str, int] = (None, "unresolved", 0)
            else:
                q = str(raw).strip()
                res = (None, "unresolved", 0) if q in _MISSING else self._lookup(q)
                if ensembl_hints and (res[0] is None or res[2] > 1):
                    hint = ensembl_hints.get(q)
                    m = _ENSG.match(str(hint)) if hint else None
                    ids = self._ensembl.get(m.group(1), []) if m else []
                    if ids:
                        res = (self._best(ids, q), "ensembl-hint", len(ids))
            cache[raw] = res
            rows.append(res)
        gids = [r[0] for r in rows]
        return pd.DataFrame({
            "query": qs,
            "symbol": [self._id_to_symbol[g] if g is not None else None for g in gids],
            "gene_id": pd.array(gids, dtype="Int64"),
            "method": [r[1] for r in rows],
            "candidates": np.array([r[2] for r in rows], dtype=np.int64),
        })

    def normalise(
        self,
        queries: Iterable[object],
        ensembl_hints: Mapping[str, str] | None = None,
    ) -> list[str | None]:
        """Official symbol of each query (None where unresolved); see :meth:`resolve`."""
        # pandas 3 stores the symbols as strings with NaN for a missing one: give None
        symbols = self.resolve(queries, ensembl_hints)["symbol"].tolist()
        return [s if isinstance(s, str) else None for s in symbols]

    def normalise_one(self, query: object) -> str | None:
        """Official symbol of one identifier, or None."""
        return self.normalise([query])[0]

    def from_entrez(self, ids: Iterable[int] | np.ndarray) -> list[str | None]:
        """Symbol of each NCBI GeneID (None for unknown or withdrawn ids)."""
        s = pd.Series(np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids))
        out = s.map(self._id_to_symbol)
        return [v if isinstance(v, str) else None for v in out.tolist()]

    def from_ensembl(self, ids: Iterable[str]) -> list[str | None]:
        """Symbol of each Ensembl gene id (version suffix ignored)."""
        ids = list(ids)
        uniq = list(dict.fromkeys(ids))
        res = dict(zip(uniq, self.normalise(uniq), strict=True))
        return [res[i] for i in ids]

    def report(
        self,
        queries: Iterable[object],
        ensembl_hints: Mapping[str, str] | None = None,
    ) -> dict[str, object]:
        """Coverage summary of distinct queries.

        Returns
        -------
        dict
            ``n`` (distinct queries), ``resolved`` (share), one count per method
            (:data:`RESOLUTION_METHODS`), ``ambiguous`` (resolved by a tie-break),
            ``unresolved_examples`` (up to 20, sorted).
        """
        uniq = sorted({str(q) for q in queries if q is not None})
        res = self.resolve(uniq, ensembl_hints)
        counts = res["method"].value_counts()
        out: dict[str, object] = {"n": len(uniq)}
        out["resolved"] = float(res["symbol"].notna().mean()) if len(uniq) else float("nan")
        for m in RESOLUTION_METHODS:
            out[m] = int(counts.get(m, 0))
        out["ambiguous"] = int(((res["candidates"] > 1) & res["symbol"].notna()).sum())
        out["unresolved_examples"] = res.loc[res["symbol"].isna(), "query"].head(20).tolist()
        return out

    def describe(self, symbol: str) -> dict[str, object] | None:
        """Record of an official symbol: ``gene_id, symbol, name, synonyms, type``."""
        gid = self._symbol_to_id.get(symbol)
        if gid is None:
            return None
        syn = [] if self._syn_text[gid] == "-" else self._syn_text[gid].split("|")
        return {"gene_id": gid, "symbol": symbol, "name": self._name[gid],
                "synonyms": syn, "type": self._type[gid], "chromosome": self._chrom[gid]}


@lru_cache(maxsize=4)
def _cached_mapper(path: str, mtime_ns: int) -> SymbolMapper:  # noqa: ARG001 (cache key)
    return SymbolMapper.from_file(path)


def load_symbol_mapper(path: str | os.PathLike | None = None) -> SymbolMapper:
    """The mapper built from the bundle's ``Homo_sapiens.gene_info.gz`` (cached per process).

    Parameters
    ----------
    path : path-like, optional
        Another gene_info file; by default the bundle's (fetched and verified).
    """
    if path is None:
        from pqstats.knowledge.sources import fetch_source

        path = fetch_source("gene_info")[0]
    path = os.fspath(path)
    return _cached_mapper(path, os.stat(path).st_mtime_ns)


# ============================================================ names given by a person
class UnknownGeneError(KeyError, ValueError):
    """A gene name that cannot be used: unknown, ambiguous, or outside what is scored.

    The message names every such name (with the closest known symbols), so a list is
    corrected in one go. ``names`` holds the offending names as given.
    """

    def __init__(self, message: str, names: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.names = list(names)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class AmbiguousGeneError(UnknownGeneError):
    """An alias or Ensembl id that several genes share: pqstats refuses to guess."""


class UnmeasuredGeneError(UnknownGeneError):
    """A real gene that the screen never measured: it has no outcome to learn from."""


_MAX_LISTED = 20


def _canonical_spellings(mapper: SymbolMapper, among: Sequence[str]) -> dict[str, str]:
    """Official symbol → the first name of ``among`` that means it (in its own spelling).

    A name that resolves to no gene stands for itself (a gene programme, say).
    """
    todo = [name for name in among if name not in mapper]
    canon = dict(zip(todo, mapper.normalise(todo), strict=True))
    out: dict[str, str] = {}
    for name in among:
        sym = name if name in mapper else canon[name]
        out.setdefault(sym if sym is not None else name, name)
    return out


def _suggest(query: str, pool: Sequence[str]) -> list[str]:
    upper = {p.upper(): p for p in pool}
    return [upper[m] for m in difflib.get_close_matches(query.upper(), list(upper), n=3,
                                                         cutoff=0.75)]


def resolve_gene_names(
    names: Iterable[object],
    mapper: SymbolMapper,
    *,
    among: Sequence[str] | None = None,
    where: str = "an NCBI gene",
    why: str = "",
    what: str = "gene",
    outside: type[UnknownGeneError] = UnknownGeneError,
    suggest: Collection[str] | None = None,
) -> list[str]:
    """Resolve gene names typed by a person, or refuse them with a clear message.

    The one resolver behind every command and function that takes a gene from a user
    (``predict``, ``explain``, ``prioritise``, ``summer prompt``, ``kg text``). For each
    name, after stripping surrounding spaces:

    1. a name of ``among`` (e.g. the screen's own spelling, ``GARS``) is kept as it is,
       and one that differs from it only in case (``gars``) becomes it;
    2. otherwise :meth:`SymbolMapper.candidates` lists the genes it can mean (official
       symbol, Entrez or Ensembl id, alias, previous symbol), retried in upper case
       (``myc`` → ``MYC``);
    3. no gene → unknown (the closest symbols are suggested); several genes → ambiguous
       (the candidates are named: pqstats does not guess); one gene → its official
       symbol, written as ``among`` writes it (``GARS1`` → ``GARS`` when the screen says
       ``GARS``); a gene not in ``among`` is refused with ``outside``.

    Parameters
    ----------
    names : iterable
        The names, in order.
    mapper : SymbolMapper
        The symbol mapper of the knowledge graph (``kg.mapper``).
    among : sequence of str, optional
        The names a result must be one of, in the spelling to return; earlier names win
        when two mean the same gene. None: any official NCBI symbol.
    where : str
        What ``among`` is, for messages: ``"a gene of the knowledge graph"``.
    why : str
        Appended to the message of a gene outside ``among`` (what follows from it).
    what : str
        What a name is, for the message about several: ``"candidate"``.
    outside : type
        The error for a known gene outside ``among``.
    suggest : collection of str, optional
        Where close matches are looked for; default ``among`` (or every symbol).

    Returns
    -------
    list of str
        One resolved name per input name (duplicates are kept).

    Raises
    ------
    UnknownGeneError
        Listing every name that cannot be used; :class:`AmbiguousGeneError` when all of
        them are ambiguous, ``outside`` when all are known genes outside ``among``.
    """
    names = list(names)
    spell = _canonical_spellings(mapper, among) if among is not None else None
    exact = set(among) if among is not None else set()
    folded: dict[str, str] = {}
    if among is not None:
        for name in among:
            folded.setdefault(name.lower(), name)
    pool = list(suggest) if suggest is not None else (
        list(among) if among is not None else sorted(mapper.symbols))
    out: list[str] = []
    problems: list[tuple[type[UnknownGeneError], str, str]] = []  # (kind, name, text)
    for raw in names:
        q = "" if raw is None else str(raw).strip()
        if not q:
            problems.append((UnknownGeneError, q, "an empty gene name"))
            continue
        if q in exact or q.lower() in folded:
            name = q if q in exact else folded[q.lower()]
            # an official symbol is written as among first writes its gene (CARS1 -> CARS)
            out.append(spell.get(name, name) if spell is not None and name in mapper
                       else name)
            continue
        cands, _ = mapper.candidates(q)
        if not cands and q.upper() != q:
            cands, _ = mapper.candidates(q.upper())
        if not cands:
            close = _suggest(q, pool)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append((UnknownGeneError, q,
                             f"{q!r} is not {where} (no NCBI symbol, alias or Ensembl id "
                             f"matches it{hint})"))
            continue
        if len(cands) > 1:
            problems.append((AmbiguousGeneError, q,
                             f"{q!r} is ambiguous: it names {len(cands)} genes "
                             f"({', '.join(cands)}); give the official symbol"))
            continue
        sym = cands[0]
        if spell is None:
            out.append(sym)
        elif sym in spell:
            out.append(spell[sym])
        else:
            problems.append((outside, q, f"{q!r} ({sym}) is not {where}{why}"
                             if sym != q else f"{q!r} is not {where}{why}"))
    if not problems:
        return out
    kinds = {k for k, _, _ in problems}
    cls = kinds.pop() if len(kinds) == 1 else UnknownGeneError
    texts = [t for _, _, t in problems]
    if len(texts) == 1:
        message = texts[0]
    else:
        listed = "; ".join(texts[:_MAX_LISTED])
        more = f"; and {len(texts) - _MAX_LISTED} more" if len(texts) > _MAX_LISTED else ""
        message = f"{len(texts)} {what} names cannot be used: {listed}{more}"
    raise cls(message, [n for _, n, _ in problems])
