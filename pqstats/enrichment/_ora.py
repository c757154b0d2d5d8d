"""Vectorised over-representation analysis (one-sided hypergeometric test).

Many query lists are tested against many gene-set libraries at once. Genes become the
columns of two sparse 0/1 incidence matrices over the background: ``Q`` (queries × genes)
and ``S`` (sets × genes). Their product ``Q Sᵀ`` holds every overlap ``k``; it is expanded
into (query, set, gene) triples so that the overlapping genes come out of the same pass.
No Python loop runs per gene set; the only loops are over (query, library) groups for the
multiple-testing correction (statsmodels) and over result rows to join gene names.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import hypergeom
from statsmodels.stats.multitest import multipletests

from pqstats._io import InputFileError, read_gene_list

__all__ = ["ora", "read_gene_list", "read_gmt_library", "EnrichmentWarning", "ORA_COLUMNS",
           "GSEAPY_COLUMNS", "DEFAULT_LIBRARY_NAME"]

#: The columns of ``gseapy.enrich(...).res2d``, in gseapy's order.
GSEAPY_COLUMNS = [
    "Gene_set",
    "Term",
    "Overlap",
    "P-value",
    "Adjusted P-value",
    "Odds Ratio",
    "Combined Score",
    "Genes",
]
#: Every column :func:`ora` returns for one query list (many lists add ``Query`` first).
ORA_COLUMNS = [*GSEAPY_COLUMNS, "Bonferroni P-value", "k", "K", "n", "N"]
#: Library name of a plain ``{term: genes}`` dict, as gseapy names its first dict input.
DEFAULT_LIBRARY_NAME = "gs_ind_0"

GeneList = Collection[str]
GeneSets = Mapping[str, Collection[str]]
Normaliser = Callable[[Sequence[str]], Sequence[str]]


class EnrichmentWarning(UserWarning):
    """Some genes of a query list are not in the background (they are not tested)."""


@dataclass
class _Library:
    name: str
    terms: list[str]
    members: list[Collection[str]]


def _check_symbols(values: Iterable, what: str) -> list[str]:
    """Strip symbols and reject anything that is not a non-empty string."""
    out = []
    for v in values:
        if not isinstance(v, str):
            raise ValueError(
                f"{what} must hold gene symbols as strings; got {v!r} ({type(v).__name__})"
            )
        v = v.strip()
        if v:
            out.append(v)
    return out


def _is_gene_collection(obj) -> bool:
    return isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, Mapping))


def _resolve_queries(gene_lists) -> tuple[list, list[list[str]], bool]:
    """Return (names, lists, many) from one list, a mapping or a sequence of lists."""
    if isinstance(gene_lists, (str, bytes)):
        raise ValueError(
            "gene_list must be a collection of gene symbols, not a single string; "
            "split it first (e.g. text.split())"
        )
    if isinstance(gene_lists, pd.DataFrame):
        raise ValueError("gene_list must be a list of symbols or a mapping name -> list, "
                         "not a DataFrame")
    if isinstance(gene_lists, Mapping):
        if not gene_lists:
            raise ValueError("gene_lists is an empty mapping: give at least one gene list")
        names = list(gene_lists)
        raw = list(gene_lists.values())
        many = True
    elif _is_gene_collection(gene_lists):
        items = list(gene_lists)
        if items and all(_is_gene_collection(x) for x in items):
            names, raw, many = list(range(len(items))), items, True
        elif all(not _is_gene_collection(x) for x in items):
            names, raw, many = [0], [items], False
        else:
            raise ValueError("gene_list mixes symbols and nested lists: give one list of "
                             "symbols, or a list/mapping of lists")
    else:
        raise ValueError(
            f"gene_list must be a list of symbols or a mapping name -> list; got "
            f"{type(gene_lists).__name__}"
        )
    lists = []
    for name, genes in zip(names, raw, strict=True):
        label = "gene list" if not many else f"gene list {name!r}"
        if not _is_gene_collection(genes):
            raise ValueError(f"{label} must be a collection of symbols, got "
                             f"{type(genes).__name__}")
        symbols = _check_symbols(genes, label)
        if not symbols:
            raise ValueError(f"{label} is empty: nothing to test")
        lists.append(symbols)
    return names, lists, many


def _resolve_background(background) -> list[str]:
    if background is None:
        raise ValueError(
            "background is required: give the genes that could have been in the list "
            "(e.g. pqstats.measured_genes('k562'))"
        )
    if isinstance(background, (int, np.integer)):
        raise ValueError("background must be a collection of gene symbols, not a number: "
                         "pqstats drops genes outside the background, so it needs the genes")
    if not _is_gene_collection(background):
        raise ValueError("background must be a collection of gene symbols, got "
                         f"{type(background).__name__}")
    genes = _check_symbols(background, "background")
    if not genes:
        raise ValueError("background is empty")
    return genes


def _as_library(name: str, sets: Mapping) -> _Library:
    if not isinstance(sets, Mapping):
        raise ValueError(f"library {name!r} must map term -> genes, got "
                         f"{type(sets).__name__}")
    terms, members = [], []
    for term, genes in sets.items():
        if not _is_gene_collection(genes):
            raise ValueError(
                f"gene set {term!r} of library {name!r} must be a collection of symbols, got "
                f"{type(genes).__name__}"
            )
        terms.append(str(term))
        members.append(genes)
    return _Library(name, terms, members)


def _is_gmt_path(x) -> bool:
    """A GMT file given by path (``.gmt`` / ``.gmt.gz``, or any path-like object)."""
    if isinstance(x, os.PathLike):
        return True
    return isinstance(x, str) and x.lower().endswith((".gmt", ".gmt.gz"))


def read_gmt_library(path: str | os.PathLike) -> dict[str, list[str]]:
    """The gene sets of a GMT file as ``{term: genes}``, refusing a file without any.

    GMT: one set per line, ``name<TAB>description<TAB>gene<TAB>gene...`` (plain or gzip;
    read by :func:`pqstats.knowledge.read_gmt_records`).

    Raises
    ------
    FileNotFoundError
        No such file.
    pqstats.knowledge.KnowledgeFormatError
        A malformed line (named with its number).
    pqstats._io.InputFileError
        The file holds no gene set (empty, or only blank lines).
    """
    from pqstats.knowledge import read_gmt_records

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such GMT file")
    records = read_gmt_records(path)
    if not records:
        raise InputFileError(path, "holds no gene set (the file is empty or blank)",
                             "a GMT file: one set per line, name<TAB>description<TAB>gene...")
    return {r.name: list(r.genes) for r in records}


def _gmt_name(path) -> str:
    name = os.path.basename(os.fspath(path))
    for ext in (".gz", ".gmt"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name


def _resolve_libraries(gene_sets, background: list[str]) -> list[_Library]:
    """Libraries from a dict of sets, a dict of dicts, GMT paths or knowledge library names."""
    if isinstance(gene_sets, (str, os.PathLike)):
        gene_sets = [gene_sets]
    if isinstance(gene_sets, Mapping):
        if not gene_sets:
            raise ValueError("gene_sets is empty: give at least one gene set")
        first = next(iter(gene_sets.values()))
        if isinstance(first, Mapping):
            libs = [_as_library(str(k), v) for k, v in gene_sets.items()]
        else:
            libs = [_as_library(DEFAULT_LIBRARY_NAME, gene_sets)]
    elif _is_gene_collection(gene_sets) and all(isinstance(x, (str, os.PathLike))
                                                for x in gene_sets):
        names = list(gene_sets)
        if not names:
            raise ValueError("gene_sets is empty: give a library name or a dict of sets")
        from pqstats import knowledge  # lazy: only library names need the bundle

        LIBRARIES, load_library = knowledge.LIBRARIES, knowledge.gene_sets

        unknown = [name for name in names if not _is_gmt_path(name) and name not in LIBRARIES]
        if unknown:
            raise ValueError(f"unknown gene-set library {', '.join(map(repr, unknown))}; "
                             f"choose from {', '.join(LIBRARIES)}, or give a .gmt file")
        # restricted to the background and written in its spelling (see pqstats.knowledge)
        libs = [_as_library(_gmt_name(name), read_gmt_library(name)) if _is_gmt_path(name)
                else _as_library(name, load_library(name, background=background))
                for name in names]
    else:
        raise ValueError(
            "gene_sets must be a dict term -> genes, a dict library -> {term: genes}, "
            "library name(s) of pqstats.knowledge.gene_sets or .gmt file(s); got "
            f"{type(gene_sets).__name__}"
        )
    seen = set()
    for lib in libs:
        if lib.name in seen:
            raise ValueError(f"library {lib.name!r} is given twice")
        seen.add(lib.name)
    return libs


def _case_hint(missing: Sequence[str], bg: pd.Index) -> str:
    """Say which missing symbols match a background gene but for upper/lower case."""
    upper = {g.upper(): g for g in bg}
    near = [(m, upper[m.upper()]) for m in missing if m.upper() in upper]
    if not near:
        return ""
    shown = ", ".join(f"{m!r} ~ {g!r}" for m, g in near[:5])
    return (f"; {len(near)} of them match a background gene except for case ({shown}): "
            "symbols are matched exactly, so fix their case")


def _names(genes: Sequence[str], n: int = 10) -> str:
    return ", ".join(genes[:n]) + (f" ... (+{len(genes) - n})" if len(genes) > n else "")


def _check_in_background(names: list, lists: list[list[str]], many: bool,
                         bg: pd.Index) -> dict[object, list[str]]:
    """Query genes outside the background, per query: a warning that names them, and a
    ValueError when no list keeps a gene (nothing would be tested)."""
    outside, empty, notes = {}, [], []
    for name, genes in zip(names, lists, strict=True):
        uniq = list(dict.fromkeys(genes))
        missing = [g for g in uniq if g not in bg]
        if not missing:
            continue
        outside[name] = missing
        label = "query genes" if not many else f"genes of list {name!r}"
        notes.append(f"{len(missing)} of {len(uniq)} {label} are not in the background of "
                     f"{len(bg)} genes (not tested): {_names(missing)}"
                     + _case_hint(missing, bg))
        if len(missing) == len(uniq):
            empty.append(name)
    if not notes:
        return outside
    if len(empty) == len(lists):
        raise ValueError(f"{notes[0] if not many else '; '.join(notes[:3])}: no query gene "
                         "is in the background, so nothing can be tested (check the symbols, "
                         "their species and case, or give the background they come from)")
    if not many:
        message = notes[0]
    else:
        message = (f"{len(notes)} of {len(lists)} gene lists have genes outside the background "
                   f"of {len(bg)} genes"
                   + (f"; {len(empty)} lists have none inside and test nothing: "
                      f"{_names([str(e) for e in empty])}" if empty else "")
                   + f"; e.g. {notes[0]}")
    warnings.warn(message, EnrichmentWarning, stacklevel=3)
    return outside


def _no_testable_set(libraries: list[_Library], K_all: np.ndarray, N: int, min_size: int,
                     max_size: int | None) -> str:
    """Why no gene set is tested: none shares a gene with the background, or the sizes."""
    n_sets = len(K_all)
    libs = ", ".join(lib.name for lib in libraries)
    if n_sets == 0:
        return f"the gene-set libraries ({libs}) hold no set: nothing to test"
    if not K_all.any():
        return (f"none of the {n_sets} gene sets of {libs} shares a gene with the background "
                f"of {N} genes, so nothing can be tested (are the sets in the same species "
                "and kind of identifier as the background?)")
    bounds = f"{min_size} and {max_size}" if max_size is not None else f"at least {min_size}"
    return (f"no gene set of {libs} has {bounds} genes in the background of {N} genes "
            f"(their sizes there range {int(K_all.min())}-{int(K_all.max())}): widen "
            "min_size / max_size")


def _incidence(members: Sequence[Collection[str]], index: pd.Index) -> sp.csr_matrix:
    """0/1 matrix rows × ``index``; genes outside ``index`` are dropped, duplicates merged."""
    lengths = np.fromiter((len(m) for m in members), dtype=np.int64, count=len(members))
    flat = np.fromiter(chain.from_iterable(members), dtype=object, count=int(lengths.sum()))
    cols = index.get_indexer(flat) if len(flat) else np.empty(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(members)), lengths)
    keep = cols >= 0
    mat = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], cols[keep])),
        shape=(len(members), len(index)),
    )
    mat.sum_duplicates()
    mat.data[:] = 1
    return mat


def _hypergeom_sf(k: np.ndarray, K: np.ndarray, n: np.ndarray, N: int) -> np.ndarray:
    """``hypergeom.sf(k - 1, N, K, n)``, evaluated once per distinct (k, K, n).

    scipy's (Boost's) hypergeometric tail costs tens of microseconds per value at
    N ~ 10⁴; many (query, set) pairs share their counts, so they share the call.
    """
    if len(k) == 0:
        return np.empty(0, dtype=float)
    base = np.int64(N + 1)
    code = (k.astype(np.int64) * base + K) * base + n
    uniq, inverse = np.unique(code, return_inverse=True)
    uk, rest = np.divmod(uniq, base * base)
    uK, un = np.divmod(rest, base)
    return hypergeom.sf(uk - 1, N, uK, un)[inverse.ravel()]


def _get_normaliser(normalise) -> Normaliser | None:
    """A list -> list function; symbols it cannot resolve (None) are kept as given."""
    if normalise is False or normalise is None:
        return None
    if normalise is True:
        from pqstats import knowledge

        func = knowledge.load_symbol_mapper().normalise
    elif hasattr(normalise, "normalise"):
        func = normalise.normalise
    elif callable(normalise):
        func = normalise
    else:
        raise ValueError("normalise must be a bool, a SymbolMapper or a callable list -> list")

    def apply(symbols: Sequence[str]) -> list[str]:
        symbols = list(symbols)
        out = list(func(symbols))
        if len(out) != len(symbols):
            raise ValueError(f"normalise returned {len(out)} symbols for {len(symbols)}")
        return [s if n is None else n for s, n in zip(symbols, out, strict=True)]

    return apply


def ora(
    gene_list: GeneList | Mapping[str, GeneList] | Sequence[GeneList],
    gene_sets: GeneSets | Mapping[str, GeneSets] | str | Sequence[str],
    background: Collection[str],
    *,
    min_size: int = 1,
    max_size: int | None = None,
    min_overlap: int = 1,
    family: Literal["tested", "overlapping"] = "tested",
    normalise: bool | Normaliser | object = False,
) -> pd.DataFrame:
    r"""Over-representation analysis of one or many gene lists (hypergeometric test).

    For a query list and a gene set, with everything restricted to the background,

    * :math:`N` = genes in the background,
    * :math:`K` = genes of the set in the background,
    * :math:`n` = distinct genes of the list in the background,
    * :math:`k` = genes in both,

    the p-value is the upper tail of the hypergeometric distribution

    .. math:: p = P(X \ge k) = \sum_{i=k}^{\min(n, K)}
              \binom{K}{i}\binom{N-K}{n-i} \Big/ \binom{N}{n}
              = \texttt{hypergeom.sf}(k-1, N, K, n),

    which equals the one-sided Fisher exact test
    (``scipy.stats.fisher_exact([[k, K-k], [n-k, N-K-n+k]], alternative="greater")``).
    The odds ratio is gseapy's (Enrichr's with a Haldane–Anscombe +0.5 correction,
    gseapy ≥ 1.1)

    .. math:: \mathrm{OR} = \frac{(k + \tfrac12)(N - K - n + k + \tfrac12)}
              {(K - k + \tfrac12)(n - k + \tfrac12)},

    and the combined score is :math:`-\ln(p)\,\mathrm{OR}` (natural log, as gseapy and
    Enrichr). ``Adjusted P-value`` is Benjamini–Hochberg and ``Bonferroni P-value`` is
    :math:`\min(1, m p)`, both from ``statsmodels.stats.multitest.multipletests``,
    computed separately for every (query, library) pair over a family of :math:`m` tests
    (see ``family``).

    Parameters
    ----------
    gene_list : collection of str, or mapping name -> collection, or sequence of collections
        One query list, or many (a mapping names them; a list of lists is numbered
        0, 1, ...). Duplicates count once; symbols outside the background are dropped
        (the share kept is in ``result.attrs["queries"]``) and named in an
        :class:`EnrichmentWarning`, which also says when one differs from a background
        gene only in case.
    gene_sets : dict, dict of dicts, str or sequence of str
        ``{term: genes}`` (one library, named ``"gs_ind_0"`` as gseapy names a dict),
        ``{library: {term: genes}}``, or library name(s) understood by
        :func:`pqstats.knowledge.gene_sets` (``"go_bp"``, ``"reactome"``, ...), or paths
        of GMT files (``.gmt`` / ``.gmt.gz`` or a path object; :func:`read_gmt_library`),
        each a library named after its file.
    background : collection of str
        The universe: every gene that could have been in a list. Required (gseapy's default,
        the union of the library's genes, inflates significance for measured-gene lists).
        Genes of the lists and of the sets outside it are dropped (set members that are
        not strings never match and are dropped too).
    min_size, max_size : int
        Test only sets with ``min_size <= K <= max_size`` genes *in the background*.
        Defaults keep every non-empty set, as gseapy does.
    min_overlap : int
        Report only sets with ``k >= min_overlap`` (gseapy reports ``k >= 1``). Sets below
        it are still tested, i.e. they count in the ``"tested"`` family.
    family : {"tested", "overlapping"}
        The family over which p-values are adjusted, per (query, library).
        ``"tested"`` (default) counts every set that passed the size filters, including
        those that share no gene with the list (their p-value is 1): the textbook family.
        ``"overlapping"`` counts only sets with ``k >= 1``, which is what ``gseapy.enrich``
        does (it never tests sets without overlap); its adjusted p-values are smaller.
    normalise : bool, SymbolMapper or callable
        Map symbols to current official symbols before matching. ``True`` uses
        :func:`pqstats.knowledge.load_symbol_mapper` (needs the knowledge bundle); an object
        with a ``normalise(list) -> list`` method or a callable may be given instead. The
        lists, the background and every gene set go through one table; symbols it cannot
        resolve stay as given. Libraries given by name come from
        :func:`pqstats.knowledge.gene_sets` restricted to the background and written in its
        spelling, so lists spelled like the background match them even without
        normalising. Default ``False``: exact matching.

    Returns
    -------
    pandas.DataFrame
        gseapy's columns (:data:`GSEAPY_COLUMNS`) then ``Bonferroni P-value`` and the
        integer counts ``k, K, n, N``; with many lists, a first ``Query`` column. One row
        per (query, set) with ``k >= min_overlap``, sorted by query, then p-value, then
        library order, then term. ``Genes`` joins the overlapping genes, sorted, with
        ``";"``. ``result.attrs`` holds ``"queries"`` (per list: ``n_input`` symbols,
        ``n_unique``, ``n_in_background``, ``share_mapped``), ``"libraries"`` (per
        library: ``n_sets``, ``n_tested``) and ``"N"``.

    Raises
    ------
    ValueError
        Empty or malformed lists, sets or background; ``min_size``/``max_size`` out of
        range; an unknown ``family``. A run that would test nothing says why: no query
        gene in the background (the message counts and names them), or no gene set with
        ``min_size <= K <= max_size`` genes in the background (none sharing a gene with
        it, or the sizes). A GMT file that holds no set or a malformed line is named.

    Notes
    -----
    Differences from ``gseapy.enrich`` (checked in the tests): gseapy upper-cases the
    query when the library looks upper-case (pqstats matches exactly, or normalises through
    the knowledge layer); gseapy accepts ``background=None`` (library union) or an integer;
    gseapy's own BH has the ``"overlapping"`` family; gseapy's ``Genes`` order is that of
    a Python set (pqstats sorts); gseapy returns None when nothing overlaps (pqstats returns
    an empty table with the same columns).
    """
    if family not in ("tested", "overlapping"):
        raise ValueError(f"family must be 'tested' or 'overlapping', got {family!r}")
    for label, value in (("min_size", min_size), ("min_overlap", min_overlap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    if max_size is not None:
        if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)):
            raise ValueError(f"max_size must be an integer or None, got {max_size!r}")
        if max_size < min_size:
            raise ValueError(f"max_size ({max_size}) is smaller than min_size ({min_size})")

    names, lists, many = _resolve_queries(gene_list)
    bg_genes = _resolve_background(background)
    libraries = _resolve_libraries(gene_sets, bg_genes)
    norm = _get_normaliser(normalise)
    if norm is not None:
        pools = [bg_genes, *lists, *(m for lib in libraries for m in lib.members)]
        unique = list(dict.fromkeys(chain.from_iterable(pools)))
        table = dict(zip(unique, norm(unique), strict=True))  # one call for every symbol
        bg_genes = [table[g] for g in bg_genes]
        lists = [[table[g] for g in genes] for genes in lists]
        for lib in libraries:
            lib.members = [[table[g] for g in m] for m in lib.members]

    bg = pd.Index(sorted(set(bg_genes)))
    N = len(bg)
    _check_in_background(names, lists, many, bg)

    # --- the two incidence matrices ---------------------------------------------------
    Q = _incidence(lists, bg)
    n_q = np.diff(Q.indptr)
    lib_of_set = np.concatenate(
        [np.full(len(lib.terms), i, dtype=np.int64) for i, lib in enumerate(libraries)]
    )
    terms = np.array(list(chain.from_iterable(lib.terms for lib in libraries)), dtype=object)
    S = _incidence(list(chain.from_iterable(lib.members for lib in libraries)), bg)
    K_all = np.diff(S.indptr)
    tested = K_all >= min_size
    if max_size is not None:
        tested &= K_all <= max_size
    tested_idx = np.flatnonzero(tested)
    if len(tested_idx) == 0:
        raise ValueError(_no_testable_set(libraries, K_all, N, min_size, max_size))
    S, lib_of_set, terms, K_set = S[tested_idx], lib_of_set[tested_idx], terms[tested_idx], \
        K_all[tested_idx]
    n_tested_lib = np.bincount(lib_of_set, minlength=len(libraries))

    # --- Q Sᵀ expanded into (query, set, gene) triples --------------------------------
    St = S.T.tocsr()  # gene -> sets containing it
    St.sort_indices()
    q_row = np.repeat(np.arange(Q.shape[0]), n_q)
    q_gene = Q.indices  # canonical CSR: genes ascending within each query
    starts = St.indptr[q_gene]
    counts = St.indptr[q_gene + 1] - starts
    total = int(counts.sum())
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) \
        + np.repeat(starts, counts)
    t_set = St.indices[pos].astype(np.int64)
    t_query = np.repeat(q_row, counts).astype(np.int64)
    t_gene = np.repeat(q_gene, counts)
    n_sets = max(len(terms), 1)
    key = t_query * n_sets + t_set
    order = np.argsort(key, kind="stable")  # stable: genes stay ascending in each pair
    key, t_gene = key[order], t_gene[order]
    pair, first, k = np.unique(key, return_index=True, return_counts=True)
    qi, si = pair // n_sets, pair % n_sets
    keep = k >= min_overlap
    qi, si, first, k = qi[keep], si[keep], first[keep], k[keep]

    # --- statistics --------------------------------------------------------------------
    K = K_set[si]
    n = n_q[qi]
    pvals = _hypergeom_sf(k, K, n, N)
    odds = ((k + 0.5) * (N - K - n + k + 0.5)) / ((K - k + 0.5) * (n - k + 0.5))
    with np.errstate(divide="ignore"):
        combined = -np.log(pvals) * odds
    lib_i = lib_of_set[si]

    # Rows are sorted by query, then set; sets are in library order, so every
    # (query, library) family is one contiguous slice.
    fdr = np.empty_like(pvals)
    bonf = np.empty_like(pvals)
    group = qi * len(libraries) + lib_i
    bounds = np.flatnonzero(np.diff(group)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(group)], strict=True):
        if lo == hi:
            continue
        p = pvals[lo:hi]
        if family == "tested":
            m = int(n_tested_lib[lib_i[lo]])
            p = np.concatenate([p, np.ones(m - len(p))])
        fdr[lo:hi] = multipletests(p, method="fdr_bh")[1][: hi - lo]
        bonf[lo:hi] = multipletests(p, method="bonferroni")[1][: hi - lo]

    genes = bg.to_numpy()[t_gene].tolist()
    ends = first + k
    gene_str = [";".join(genes[a:b]) for a, b in zip(first.tolist(), ends.tolist(), strict=True)]

    lib_names = np.array([lib.name for lib in libraries], dtype=object)
    res = pd.DataFrame(
        {
            "Gene_set": lib_names[lib_i] if len(lib_i) else np.empty(0, dtype=object),
            "Term": terms[si] if len(si) else np.empty(0, dtype=object),
            "Overlap": [f"{a}/{b}" for a, b in zip(k.tolist(), K.tolist(), strict=True)],
            "P-value": pvals.astype(float),
            "Adjusted P-value": fdr.astype(float),
            "Odds Ratio": odds.astype(float),
            "Combined Score": combined.astype(float),
            "Genes": gene_str,
            "Bonferroni P-value": bonf.astype(float),
            "k": k.astype(np.int64),
            "K": K.astype(np.int64),
            "n": n.astype(np.int64),
            "N": np.full(len(k), N, dtype=np.int64),
        }
    )
    sort_order = np.lexsort((res["Term"].to_numpy(dtype=str), lib_i, pvals, qi))
    res = res.iloc[sort_order].reset_index(drop=True)
    if many:
        res.insert(0, "Query", pd.Series(np.asarray(names, dtype=object)[qi[sort_order]]))

    queries = {}
    for name, genes_in, n_in in zip(names, lists, n_q.tolist(), strict=True):
        n_unique = len(set(genes_in))
        queries[name] = {
            "n_input": len(genes_in),
            "n_unique": n_unique,
            "n_in_background": int(n_in),
            "share_mapped": n_in / n_unique,
        }
    res.attrs["queries"] = queries
    res.attrs["libraries"] = {
        lib.name: {"n_sets": len(lib.terms), "n_tested": int(n_tested_lib[i])}
        for i, lib in enumerate(libraries)
    }
    res.attrs["N"] = N
    return res
