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

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from pqstats.knowledge.readers import read_gene_info

__all__ = ["SymbolMapper", "load_symbol_mapper", "RESOLUTION_METHODS"]

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

    def _lookup(self, q: str) -> tuple[int | None, str, int]:
        """(GeneID, method, n_candidates) for one cleaned query, hints not used."""
        gid = self._symbol_to_id.get(q)
        if gid is not None:
            return gid, "symbol", 1
        if q.isdigit():
            g = int(q)
            return (g, "entrez", 1) if g in self._id_to_symbol else (None, "unresolved", 0)
        m = _ENSG.match(q)
        if m:
            ids = self._ensembl.get(m.group(1), [])
            return (self._best(ids, q), "ensembl", len(ids)) if ids else (None,
                                                                          "unresolved", 0)
        if q.startswith("MT-"):
            ids = [g for g in self._synonyms.get("MT" + q[3:], []) if self._chrom[g] == "MT"]
            if ids:
                return self._best(ids, q), "mitochondrial", len(ids)
        ids = self._synonyms.get(q)
        if ids:
            return self._best(ids, q), "synonym", len(ids)
        m = _ORF.match(q)
        if m:
            alt = f"C{m.group(1)}orf{m.group(2)}"
            gid = self._symbol_to_id.get(alt)
            if gid is not None:
                return gid, "orf-case", 1
            ids = self._synonyms.get(alt)
            if ids:
                return self._best(ids, alt), "orf-case", len(ids)
        return None, "unresolved", 0

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
        return self.resolve(queries, ensembl_hints)["symbol"].tolist()

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
        res = dict(zip(uniq, self.resolve(uniq)["symbol"], strict=True))
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
