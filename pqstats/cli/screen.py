"""The ``pqstats screen`` subcommands: list, show, remove (and import, from imports.py)."""

from __future__ import annotations

import argparse
import json

from pqstats.screens.import_cli import add_import_parser

__all__ = ["add_screen_parser"]


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


def add_screen_parser(sub) -> argparse._SubParsersAction:
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
