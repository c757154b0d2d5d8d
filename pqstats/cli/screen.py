"""The ``pqstats screen`` subcommands: import (the command-line face of
:func:`pqstats.screens.import_screen`), list, show and remove."""

from __future__ import annotations

import argparse
import json

from pqstats._choices import DE_METHODS, FORMATS, PERT_COLUMNS

__all__ = ["add_screen", "add_import_parser"]


def _cmd_import(args: argparse.Namespace) -> int:
    from pqstats.screens.imports import import_screen

    result = import_screen(
        args.name, args.path, cell_line=args.cell_line, format=args.format,
        dir_file=args.dir_file, pert_column=args.pert_column, control=args.control,
        replicate_column=args.replicate_column, method=args.method,
        test_fraction=args.test_fraction, split_seed=args.split_seed,
        description=args.description, study=args.study, fdr=args.fdr,
        min_abs_log2fc=args.min_abs_log2fc, max_positives=args.max_positives,
        negatives_per_positive=args.negatives_per_positive, min_cells=args.min_cells,
        min_expected_count=args.min_expected_count,
        negative_min_pvalue=args.negative_min_p,
        sample_seed=args.sample_seed, overwrite=args.overwrite, source=args.source,
        ncbi_ids=args.ncbi_ids, target_column=args.target_column)
    c = result.counts
    if args.json:
        print(json.dumps(result.manifest, indent=2, sort_keys=True))
        return 0
    print(f"imported {result.name} ({result.manifest['format']}) into {result.path}")
    if result.manifest["format"] == "genes":
        print(f"  {c['genes']} readout genes, no labels: predict, explain and prioritise "
              "score it zero-shot, from other studies' screens")
    else:
        print(f"  {c['perts']} perturbations ({c['train_perts']} train, {c['test_perts']} test), "
              f"{c['pairs_de']} DE pairs ({c['positives']} positive), {c['dir_pairs']} Dir "
              "pairs")
    for kind in ("perts", "genes"):
        one = kind[:-1]
        if c.get(f"unknown_{kind}"):
            hints = c.get(f"{one}_suggestions") or {}
            examples = ", ".join(u + (f" (did you mean {'/'.join(hints[u])}?)" if u in hints
                                      else "") for u in c[f"unknown_{one}_examples"])
            print(f"  {c[f'unknown_{kind}']} {kind} unknown to the knowledge graph (kept, "
                  f"no knowledge features), e.g. {examples}")
        if c.get(f"merged_{one}_spellings"):
            merged = "; ".join(f"{g}: {', '.join(map(repr, n))}"
                               for g, n in list(c[f"merged_{one}_examples"].items())[:3])
            print(f"  {c[f'merged_{one}_spellings']} {kind} were other spellings of a gene "
                  f"already in the file and were merged with it ({merged})")
    return 0


def add_import_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``import`` to a ``pqstats screen`` subparsers object; return its parser."""
    p = subparsers.add_parser(
        "import", help="import your own screen (pairs, DE statistics, an h5ad of cells, or "
                       "only the readout genes of a cell line not screened yet)",
        description="Import a screen under $PQSTATS_DATA/screens/NAME/; afterwards "
                    "load_de(NAME) / load_dir(NAME) and every command accept NAME.")
    p.add_argument("name", help="screen name: lower-case letters, digits and _")
    p.add_argument("path", help="CSV / TSV / parquet table, an h5ad of cells, or (--format "
                                "genes) a list of readout genes, one per line")
    p.add_argument("--cell-line", required=True, metavar="LABEL",
                   help="the cell line, e.g. HEK293T")
    p.add_argument("--format", choices=FORMATS,
                   help="pairs: pert,gene,label[,direction][,split]; stats: per-perturbation "
                        "DE results (scanpy or pydeseq2 columns); h5ad: raw counts of cells; "
                        "genes: readout genes only, no labels (scored zero-shot) "
                        "(default: inferred; genes is never inferred)")
    p.add_argument("--dir-file", metavar="PATH",
                   help="pairs: a separate Dir table pert,gene,label[,split] (1 = up)")
    p.add_argument("--pert-column", metavar="COL",
                   help=f"h5ad: obs column of perturbations (default: first of "
                        f"{', '.join(PERT_COLUMNS)})")
    p.add_argument("--control", default="non-targeting", metavar="LABEL",
                   help="h5ad: label of control cells (default: %(default)s)")
    p.add_argument("--replicate-column", metavar="COL",
                   help="h5ad: obs column of replicates (pseudobulk per perturbation x "
                        "replicate)")
    p.add_argument("--method", choices=DE_METHODS, default="t-test",
                   help="h5ad: Welch t-test on cells as scanpy's (default) or pydeseq2 on "
                        "pseudobulks (needs replicates)")
    p.add_argument("--min-cells", type=int, default=10, metavar="N",
                   help="h5ad: fewest cells per perturbation (default: %(default)s)")
    p.add_argument("--min-expected-count", type=float, default=10.0, metavar="C",
                   help="h5ad: test a gene for a perturbation only when its cells hold about "
                        "C counts of it (default: %(default)s)")
    p.add_argument("--test-fraction", type=float, default=0.2, metavar="F",
                   help="share of perturbations held out as test (default: %(default)s)")
    p.add_argument("--split-seed", type=int, default=0, metavar="N")
    p.add_argument("--description", metavar="TEXT", help="one sentence about the screen")
    p.add_argument("--study", metavar="ID",
                   help="study id; screens of one study never feed each other "
                        "(default: NAME); an import repeating a screen's data must name "
                        "that screen's study")
    rule = p.add_argument_group("labelling rule (stats and h5ad)")
    rule.add_argument("--fdr", type=float, default=0.05,
                      help="positives: adjusted p <= FDR (default: %(default)s)")
    rule.add_argument("--min-abs-log2fc", type=float, default=0.25, metavar="X",
                      help="positives: |log2FC| >= X (default: %(default)s)")
    rule.add_argument("--max-positives", type=int, default=20, metavar="N",
                      help="most positives per perturbation (default: %(default)s)")
    rule.add_argument("--negatives-per-positive", type=int, default=6, metavar="N",
                      help="negatives sampled per positive (default: %(default)s)")
    rule.add_argument("--negative-min-p", type=float, default=0.2, metavar="P",
                      help="negatives: drawn from genes with p >= P (default: %(default)s)")
    rule.add_argument("--sample-seed", type=int, default=0, metavar="N",
                      help="seed of the negatives' sampling")
    p.add_argument("--target-column", metavar="COL",
                   help="h5ad: obs column of each guide's target gene; the split is then "
                        "drawn by target (tables: a 'target' column)")
    p.add_argument("--ncbi-ids", action="store_true",
                   help="names that are whole numbers are NCBI GeneIDs (refused otherwise)")
    p.add_argument("--source", action="store_true",
                   help="let this screen's training split feed other studies' imported "
                        "screens on the transfer and zero-shot tracks (default: it feeds none)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing screen (atomically)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(func=_cmd_import)
    return p


def _cmd_list(args: argparse.Namespace) -> int:
    from pqstats.screens import available_screens, broken_screens, list_screens

    screens = list_screens()
    status = available_screens("de")
    broken = broken_screens()
    if args.json:
        print(json.dumps({"screens": [{**s.to_dict(), "available": status[s.name] is None,
                                       "unavailable": status[s.name]} for s in screens],
                          "broken": broken}, indent=2))
        return 0
    width = max(len(name) for name in [s.name for s in screens] + list(broken))
    for s in screens:
        where = "built-in" if s.builtin else "imported"
        note = ("  (readout genes only, no labels: scored zero-shot)" if not s.labelled
                else "" if status[s.name] is None else "  (unavailable here)")
        print(f"{s.name:<{width}}  {s.cell_line:<8} {s.readout:<11} {where:<8}  "
              f"study {s.study}{note}")
    for name, problem in broken.items():
        print(f"{name:<{width}}  broken: {problem}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from pqstats.screens import get_screen, table_path

    screen = get_screen(args.name)
    info = screen.to_dict()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    lines = [f"{screen.name}: {screen.label}",
             f"  description  {screen.description}",
             f"  cell line    {screen.cell_line}",
             f"  study        {screen.study}",
             f"  readout      {screen.readout}",
             f"  kind         {'built-in (PerturbQA)' if screen.builtin else 'imported'}",
             f"  labels       {screen.labels}"]
    if screen.path is not None:
        lines.append(f"  folder       {screen.path}")
    for f in screen.files:
        sha = f"  sha256 {f.sha256}" if f.sha256 else ""
        lines.append(f"  file         {f.role:<10} {f.name}{sha}")
    for task in ("de", "dir"):
        if screen.file(task) is not None:
            try:
                table_path(screen, task)
            except FileNotFoundError as err:
                lines.append(f"  unavailable  {err}")
    print("\n".join(lines))
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    from pqstats.screens import remove_screen

    folder = remove_screen(args.name)
    if args.json:
        print(json.dumps({"removed": folder.name, "path": str(folder)}))
    else:
        print(f"removed screen {folder.name} ({folder})")
    return 0


def add_screen(sub) -> argparse._SubParsersAction:
    """Add ``screen`` with ``import``, ``list``, ``show`` and ``remove``; return its
    subparsers."""
    screen = sub.add_parser("screen", help="the registered screens: list, show, remove "
                                           "(built-in PerturbQA screens and imported ones)")
    ssub = screen.add_subparsers(dest="screen_command", metavar="SCREEN_COMMAND",
                                 required=True)
    add_import_parser(ssub)
    p = ssub.add_parser("list", help="every registered screen, one line each")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_list)
    p = ssub.add_parser("show", help="one screen's record: description, study, readout, "
                                     "files and checksums, where its labels came from")
    p.add_argument("name", help="a registered screen (see `pqstats screen list`)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_show)
    p = ssub.add_parser("remove", help="delete an imported screen (built-in ones stay)")
    p.add_argument("name", help="an imported screen")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_remove)
    return ssub
