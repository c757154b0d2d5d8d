"""Gene-set libraries in one namespace, for enrichment and features.

:func:`gene_sets` returns ``{set name: set of genes}`` for a library. Genes go through
the :class:`~pqstats.knowledge.SymbolMapper` (unresolved names are dropped), so every
library speaks the same symbols. With ``background`` the sets are restricted to those
genes *and written in the background's own spelling* (``GARS`` stays ``GARS`` if that is
how the background writes ``GARS1``), so overlaps with PerturbQA gene lists are exact.

Set names (documented per library):

=====================  ==============================================================
library                name of a set
=====================  ==============================================================
go_bp, go_mf, go_cc    ``"<term name> (GO:0032543)"``; OBO + gene2go, each annotation
                       propagated to all ancestors along is_a and part_of
reactome               ``"<pathway name> (R-HSA-164843)"``; the bundle's copy replaced
                       every space with ``-``; they are turned back into spaces (so real
                       hyphens become spaces too: ``TGF beta``)
hallmark               the MSigDB name, e.g. ``"HALLMARK_TNFA_SIGNALING_VIA_NFKB"``
corum                  ``"<complex name> (CORUM:1)"``
enrichr_go_bp_2023     Enrichr's names, e.g. ``"mitochondrial translation (GO:0032543)"``
wikipathways_2023      Enrichr's names, e.g. ``"ACE Inhibitor Pathway WP554"``
chea_2022              Enrichr's names, e.g. ``"FOXP1 22492998 ChIP-Seq STRATIUM Mouse"``
=====================  ==============================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np

from pqstats._settings import SettingError
from pqstats.knowledge._cache import cached, file_sha256
from pqstats.knowledge.readers import read_corum, read_gmt_records
from pqstats.knowledge.sources import source_files

__all__ = ["LIBRARIES", "LIBRARY_SOURCES", "allowed_libraries", "gene_sets", "library_sets"]

#: Library name → one-line description.
LIBRARIES: dict[str, str] = {
    "go_bp": "GO biological process (bundle OBO + gene2go, propagated)",
    "go_mf": "GO molecular function (bundle OBO + gene2go, propagated)",
    "go_cc": "GO cellular component (bundle OBO + gene2go, propagated)",
    "reactome": "Reactome pathways",
    "hallmark": "MSigDB hallmark gene sets",
    "corum": "CORUM core complexes (non-commercial licence)",
    "enrichr_go_bp_2023": "Enrichr GO Biological Process 2023 (non-commercial licence)",
    "wikipathways_2023": "Enrichr WikiPathways 2023 human (non-commercial licence)",
    "chea_2022": "Enrichr ChEA 2022 TF targets (non-commercial licence)",
}

#: Library → the knowledge source it is read from: the name ``PQSTATS_EXCLUDE_SOURCES``
#: uses (``go`` covers the three GO libraries).
LIBRARY_SOURCES: dict[str, str] = {
    "go_bp": "go", "go_mf": "go", "go_cc": "go", "reactome": "reactome",
    "hallmark": "hallmark", "corum": "corum", "enrichr_go_bp_2023": "enrichr_go_bp_2023",
    "wikipathways_2023": "wikipathways_2023", "chea_2022": "chea_2022",
}

_GMT_SOURCE = {"reactome": "reactome", "hallmark": "hallmark",
               "enrichr_go_bp_2023": "enrichr_go_bp_2023",
               "wikipathways_2023": "wikipathways_2023", "chea_2022": "chea_2022"}
_GO_ASPECT = {"go_bp": "BP", "go_mf": "MF", "go_cc": "CC"}
_CODE_VERSION = 3


def _check_library(library: str) -> None:
    if library not in LIBRARIES:
        raise KeyError(f"unknown gene-set library {library!r}; choose one of "
                       f"{', '.join(LIBRARIES)}")
    from pqstats.knowledge.graph import EXCLUDE_ENV, excluded_sources

    if LIBRARY_SOURCES[library] in excluded_sources():
        raise SettingError(
            f"gene-set library {library!r} is excluded by {EXCLUDE_ENV}="
            f"{','.join(sorted(excluded_sources()))} (source {LIBRARY_SOURCES[library]!r}); "
            f"name another library, or unset {EXCLUDE_ENV} if its licence allows your use")


def allowed_libraries(libraries: Iterable[str]) -> list[str]:
    """``libraries`` less those whose source ``$PQSTATS_EXCLUDE_SOURCES`` leaves out.

    For default library lists (``pqstats enrich``, ``pqstats gse``, the themes of
    ``pqstats predict``): a library named explicitly and excluded is an error instead
    (:func:`library_sets` raises).

    Raises
    ------
    KeyError
        An unknown library.
    pqstats._settings.SettingError
        The variable names an unknown source.
    """
    from pqstats.knowledge.graph import excluded_sources

    libraries = list(libraries)
    unknown = [name for name in libraries if name not in LIBRARIES]
    if unknown:
        raise KeyError(f"unknown gene-set library {', '.join(map(repr, unknown))}; choose "
                       f"from {', '.join(LIBRARIES)}")
    excluded = excluded_sources()
    return [name for name in libraries if LIBRARY_SOURCES[name] not in excluded]


def library_sets(
    library: str,
    *,
    evidence_exclude: Sequence[str] = (),
    bundle_dir: str | os.PathLike | None = None,
    cache: bool = True,
) -> dict[str, tuple[str, ...]]:
    """A library's sets in official symbols (no size filter): name → sorted genes.

    Cached on disk keyed by the input files' sha256 and the options.

    Raises
    ------
    KeyError
        An unknown library.
    pqstats._settings.SettingError
        The library's source is left out by ``$PQSTATS_EXCLUDE_SOURCES``.
    """
    _check_library(library)
    from pqstats.knowledge.symbols import load_symbol_mapper

    gi = source_files("gene_info", bundle_dir)[0]
    if library in _GO_ASPECT:
        obo = source_files("go", bundle_dir)[0]
        g2g = source_files("gene2go", bundle_dir)[0]
        files = [obo, g2g, gi]
    else:
        files = source_files(_GMT_SOURCE.get(library, library), bundle_dir) + [gi]
    parts = {"library": library, "files": [file_sha256(f) for f in files],
             "evidence_exclude": sorted(evidence_exclude), "code": _CODE_VERSION}

    def build() -> dict[str, tuple[str, ...]]:
        mapper = load_symbol_mapper(gi)
        if library in _GO_ASPECT:
            from pqstats.knowledge.go import go_annotations, load_go

            dag = load_go(obo, cache=cache)
            ann = go_annotations(evidence_exclude=evidence_exclude, obo=obo, gene2go=g2g,
                                 gene_info=gi, cache=cache)
            ann = ann[ann["aspect"] == _GO_ASPECT[library]]
            names = dict(zip(dag.ids, dag.names, strict=True))
            out: dict[str, tuple[str, ...]] = {}
            syms = ann["symbol"].to_numpy(dtype=object)
            terms = ann["term"].to_numpy(dtype=object)
            order = np.argsort(terms, kind="stable")
            terms, syms = terms[order], syms[order]
            if len(terms) == 0:
                return out
            bounds = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1], True])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):
                t = str(terms[a])
                out[f"{names[t]} ({t})"] = tuple(sorted(map(str, set(syms[a:b]))))
            return out
        if library == "corum":
            df = read_corum(files[0], mapper=mapper)
            return {f"{n} (CORUM:{i})": tuple(sorted(set(s)))
                    for i, n, s in zip(df["ComplexID"], df["ComplexName"], df["symbols"],
                                       strict=True) if s}
        records = read_gmt_records(files[0])
        genes = list({g for r in records for g in r.genes})
        lookup = dict(zip(genes, mapper.normalise(genes), strict=True))
        out = {}
        for r in records:
            name = r.name
            if library == "reactome":
                name = f"{' '.join(r.name.replace('-', ' ').split())} ({r.description})"
            syms = {lookup[g] for g in r.genes} - {None}
            if syms:
                out[name] = tuple(sorted(syms))
        return out

    return cached(f"genesets-{library}", parts, build, enabled=cache)


def gene_sets(
    library: str,
    background: Iterable[str] | None = None,
    *,
    min_size: int = 1,
    max_size: int | None = None,
    evidence_exclude: Sequence[str] = (),
    bundle_dir: str | os.PathLike | None = None,
    cache: bool = True,
) -> dict[str, set[str]]:
    """Gene sets of a library: set name → genes.

    Parameters
    ----------
    library : str
        One of :data:`LIBRARIES` (see the module docstring for how sets are named).
    background : iterable of str, optional
        Restrict every set to these genes. The background is normalised with the symbol
        mapper and the sets are returned in the background's own spelling.
    min_size, max_size : int
        Keep sets whose size (after the background restriction) is in
        ``[min_size, max_size]``.
    evidence_exclude : sequence of str
        GO libraries only: evidence codes to drop (e.g. ``("IEA",)``).
    bundle_dir : path-like, optional
        Read the bundle's files from this folder instead of fetching them.
    cache : bool
        Use the on-disk cache.

    Returns
    -------
    dict of str → set of str
        In the library's order of names (sorted for GO).
    """
    if library not in _GO_ASPECT and evidence_exclude:
        raise ValueError("evidence_exclude applies to the GO libraries only")
    sets = library_sets(library, evidence_exclude=evidence_exclude, bundle_dir=bundle_dir,
                        cache=cache)
    if background is not None:
        from pqstats.knowledge.symbols import load_symbol_mapper

        bg = sorted(set(background))
        mapper = load_symbol_mapper(source_files("gene_info", bundle_dir)[0])
        back: dict[str, str] = {}
        for name, sym in zip(bg, mapper.normalise(bg), strict=True):
            if sym is not None:
                # an exact spelling wins over an alias resolving to the same gene
                if sym not in back or name == sym:
                    back[sym] = name
        conv = {name: {back[g] for g in genes if g in back} for name, genes in sets.items()}
    else:
        conv = {name: set(genes) for name, genes in sets.items()}
    hi = max_size if max_size is not None else np.inf
    return {name: genes for name, genes in conv.items() if min_size <= len(genes) <= hi}
