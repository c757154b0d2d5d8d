"""``pqstats fetch``: fetch and verify the benchmark and knowledge files."""

from __future__ import annotations

import argparse
import json

__all__ = ["add_fetch"]


def _cmd_fetch(args: argparse.Namespace) -> int:
    from pqstats.screens.perturbqa import OPTIONAL_FILES, fetch_all

    results = fetch_all(progress=not (args.quiet or args.json))
    try:
        from pqstats import knowledge  # available once the knowledge layer is installed

        results.update(knowledge.fetch_all())
    except (ImportError, AttributeError):
        pass
    missing = {k: v for k, v in results.items() if isinstance(v, Exception)}
    if args.json:
        print(json.dumps({name: {"ok": not isinstance(value, Exception), "detail": str(value)}
                          for name, value in results.items()}))
    else:
        for name, value in results.items():
            if not isinstance(value, Exception):
                print(f"ok       {name}")
        for name, err in missing.items():
            print(f"missing  {name}: {err}")
    required_missing = [k for k in missing if k not in OPTIONAL_FILES]
    if (args.strict and missing) or required_missing:
        return 1
    return 0


def add_fetch(sub) -> None:
    p = sub.add_parser("fetch", help="fetch and verify the benchmark and knowledge files")
    p.add_argument("--strict", action="store_true",
                   help="fail when any file is missing (kept for scripts: every file, "
                        "Jurkat's included, is now required either way)")
    p.add_argument("--quiet", action="store_true", help="no download progress bars")
    p.add_argument("--json", action="store_true",
                   help="print file -> {ok, detail (path or error)} as JSON")
    p.set_defaults(func=_cmd_fetch)


