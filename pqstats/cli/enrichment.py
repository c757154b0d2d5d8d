"""``pqstats enrich`` (over-representation of a gene list) and ``gse`` (the PerturbQA
gene-set clusters)."""

from __future__ import annotations

import argparse
import sys

from pqstats._choices import DEFAULT_LIBRARY, DEFAULT_TOP
from pqstats.cli._types import name_list, positive_int

__all__ = ["add_enrich", "add_gse"]


def _cmd_enrich(args: argparse.Namespace) -> int:
    import warnings

    from pqstats.enrichment import (
        PQSTATS_LIBRARIES,
        EnrichmentWarning,
        k562_background,
        ora,
        read_gene_list,
    )

    genes = read_gene_list(args.genes)
    background = read_gene_list(args.background) if args.background else k562_background()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EnrichmentWarning)
        res = ora(genes, args.libraries or _default_libraries(PQSTATS_LIBRARIES), background,
                  min_size=args.min_size, max_size=args.max_size, family=args.family,
                  normalise=not args.exact)
    for w in caught:  # genes outside the background: named, one line each
        if issubclass(w.category, EnrichmentWarning):
            print(f"pqstats enrich: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    info = res.attrs["queries"][0]
    if args.out:
        from pqstats._io import atomic_write_csv

        atomic_write_csv(args.out, res)
    if args.json:
        print(res.head(args.top).to_json(orient="records"))
    else:
        cols = ["Gene_set", "Term", "Overlap", "P-value", "Adjusted P-value", "Genes"]
        with _pd_options():
            print(res[cols].head(args.top).to_string(index=False))
        print(f"{info['n_in_background']} of {info['n_unique']} distinct genes in the "
              f"background ({info['share_mapped']:.0%}); {len(res)} sets overlap"
              + (f"; wrote {args.out}" if args.out else ""))
    return 0


def _default_libraries(libraries) -> list[str]:
    """Libraries less the sources named in ``$PQSTATS_EXCLUDE_SOURCES`` (e.g. corum)."""
    from pqstats.knowledge.genesets import allowed_libraries

    return allowed_libraries(libraries)


def _pd_options():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 60)


def add_enrich(sub) -> None:
    p = sub.add_parser("enrich", help="over-representation analysis of a gene list")
    p.add_argument("genes", help="text file of gene symbols (whitespace/comma separated; "
                                 "'-' for stdin), or a .csv/.tsv with a 'gene' column")
    p.add_argument("--libraries", type=name_list, default=None,
                   help="comma-separated gene-set libraries of pqstats.knowledge or .gmt "
                        "files (default: "
                        "GO BP/MF/CC, CORUM, Reactome, Hallmark, Enrichr GO-BP 2023, "
                        "WikiPathways 2023, less any named in $PQSTATS_EXCLUDE_SOURCES)")
    p.add_argument("--background", default=None,
                   help="file of background genes (default: the 8,454 measured K562 genes)")
    p.add_argument("--family", choices=["tested", "overlapping"], default="tested",
                   help="multiple-testing family per library (overlapping = gseapy's)")
    p.add_argument("--min-size", type=positive_int, default=1,
                   help="smallest set tested (genes in the background)")
    p.add_argument("--max-size", type=positive_int, default=None,
                   help="largest set tested (default: no limit)")
    p.add_argument("--exact", action="store_true",
                   help="match symbols exactly (default: normalise through gene_info)")
    p.add_argument("--top", type=positive_int, default=20, help="rows to print (default 20)")
    p.add_argument("--out", default=None, help="write the whole table to this CSV")
    p.add_argument("--json", action="store_true", help="print the top rows as JSON")
    p.set_defaults(func=_cmd_enrich)


def _cmd_gse(args: argparse.Namespace) -> int:
    from pqstats.enrichment import BASELINE_LIBRARIES, METHODS, run_gse, write_gse

    methods = args.methods
    if methods is None:  # a rule whose libraries are excluded is skipped (baseline: CORUM)
        full = _default_libraries(BASELINE_LIBRARIES) == list(BASELINE_LIBRARIES)
        single = bool(_default_libraries([args.library]))
        methods = [m for m in METHODS if (full or m != "baseline")
                   and (single or m != "single")]
    per_cluster, summary, sensitivity = run_gse(methods=methods,
                                                semantic=not args.no_semantic, top=args.top,
                                                library=args.library,
                                                progress=not args.json)
    paths = write_gse(per_cluster, summary, sensitivity, out=args.out)
    if args.json:
        print(summary.to_json(orient="records"))
    else:
        with _pd_options():
            print(summary.to_string(index=False, float_format="%.3f"))
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def add_gse(sub) -> None:
    p = sub.add_parser("gse", help="describe and score the PerturbQA gene-set clusters")
    p.add_argument("--methods", type=name_list, default=None,
                   help="comma-separated from baseline,pvalue,bonferroni,consensus,single "
                        "(default: all; baseline and single only when "
                        "$PQSTATS_EXCLUDE_SOURCES leaves their libraries)")
    p.add_argument("--top", type=positive_int, default=DEFAULT_TOP,
                   help=f"candidates of the consensus medoid (default {DEFAULT_TOP})")
    p.add_argument("--library", default=DEFAULT_LIBRARY,
                   help=f"library of the single rule (default {DEFAULT_LIBRARY})")
    p.add_argument("--no-semantic", action="store_true",
                   help="skip the MiniLM similarity (no 'text' extra needed)")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_cmd_gse)


