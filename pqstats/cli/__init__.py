"""``pqstats`` command line: one subcommand per job, errors as one clear line.

All argument parsing of pqstats lives in this package, one module per group of commands:

* :mod:`~pqstats.cli.fetch` — ``fetch``;
* :mod:`~pqstats.cli.kg` — ``kg build / stats / text``;
* :mod:`~pqstats.cli.benchmark` — ``models``, ``benchmark``, ``report``, ``learning-curve``;
* :mod:`~pqstats.cli.evaluate` — ``score``, ``compare``, ``cv``;
* :mod:`~pqstats.cli.enrichment` — ``enrich``, ``gse``;
* :mod:`~pqstats.cli.summer` — ``summer run / prompt / model``;
* :mod:`~pqstats.cli.screen` — ``screen import / list / show / remove``;
* :mod:`~pqstats.cli.knockdown` — ``predict``, ``explain``, ``prioritise``;
* :mod:`~pqstats.cli._types` — the argparse types (range-checked numbers, name lists).

Each command is added by an ``add_<name>(subparsers)`` function that sets ``func`` on its
parser; :func:`main` dispatches. The modules import only the standard library and light
``pqstats`` modules at the top, and the library inside each command, so ``pqstats --help``
starts without numpy, pandas or scikit-learn. Errors print one line and a hint; run with
``--debug`` for the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pqstats.cli import benchmark, enrichment, evaluate, fetch, kg, knockdown, screen, summer

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``pqstats`` argument parser with every subcommand."""
    parser = _Parser(
        prog="pqstats",
        description="Classical statistics and ML for the PerturbQA benchmark: predict, for "
                    "an unseen CRISPRi knockdown, which genes respond (DE) and how (Dir); "
                    "describe gene clusters (GSE).",
        epilog="Start with `pqstats fetch`, then `pqstats benchmark`. `pqstats COMMAND -h` "
               "shows a command's options; --json gives machine-readable output where a "
               "command prints results.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback when a command fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                title="commands")
    for add in (fetch.add_fetch, kg.add_kg, benchmark.add_models, evaluate.add_cv,
                benchmark.add_benchmark, benchmark.add_report, evaluate.add_score,
                evaluate.add_compare, enrichment.add_enrich, enrichment.add_gse,
                summer.add_summer, screen.add_screen, knockdown.add_knockdown,
                benchmark.add_learning_curve):
        add(sub)
    for choice in sub.choices.values():
        choice.formatter_class = _Formatter
    return parser


class _UsageError(Exception):
    """A command line argparse refused (already reported on standard error)."""


class _Parser(argparse.ArgumentParser):
    """argparse with pqstats' error convention: one line naming the problem, one hint.

    Subcommand parsers are of the same class (argparse creates them with ``type(self)``).
    """

    def error(self, message: str):  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        print(f"hint: `{self.prog} -h` lists the options and their ranges", file=sys.stderr)
        raise _UsageError(message)


class _Formatter(argparse.HelpFormatter):
    """Help with every subcommand's one-line purpose on the same line as its name."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=24, width=100)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):  # names are indented deeper
            longest = max(map(len, action.choices), default=0)
            self._action_max_length = max(self._action_max_length,
                                          longest + self._current_indent + 4)


_HINTS = {
    "KnowledgeFormatError": "repair or re-download the named knowledge file",
    "DataUnavailableError": "set PQSTATS_MIRROR to a folder laid out like ../shared, "
                            "or run `make data`",
    "ChecksumError": "replace the file with the published one",
    "PredictionError": "give exactly one finite score per test pair (columns pert,gene,score; "
                       "for score --task effect pert,gene,p_de,p_up)",
    "DatasetError": "`pqstats screen list` shows the registered screens; tasks are de, dir",
    "UnknownScreenError": "`pqstats screen list` shows the registered screens",
    "ScreenReadoutError": "`pqstats screen show NAME` says what a screen reads out",
    "UnlabelledScreenError": "`pqstats predict --cell-line NAME --track zero-shot` scores a "
                             "screen without labels; benchmark, cv and score need labels",
    "FileNotFoundError": "check the path; `pqstats COMMAND -h` lists the expected inputs",
    "InputFileError": "fix the file as the message says (`pqstats COMMAND -h` describes "
                      "each input)",
    "LLMUnavailableError": "start the model server (or check --server / --model) and rerun",
    "ScreenImportError": "`pqstats screen import -h` describes the three formats and "
                         "their columns",
    "UnknownGeneError": "use an NCBI symbol, alias or Ensembl id of the knowledge graph "
                        "(`pqstats kg text GENE` shows what it knows about a gene)",
    "AmbiguousGeneError": "give the official NCBI symbol of the gene you mean (`pqstats kg "
                          "text SYMBOL` shows each candidate)",
    "UnmeasuredGeneError": "score genes the screen measured: `pqstats predict` without "
                           "--genes scores all of them",
    "SettingError": "fix or unset the named PQSTATS_* environment variable",
    "MissingExtraError": "the light core leaves this out; install the extra named above",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pqstats`` command."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one clear line; the traceback only with --debug
        if args.debug:
            raise
        name = type(err).__name__
        nested = [v for k, v in vars(args).items() if k.endswith("_command") and v]
        command = " ".join([args.command, *nested])  # e.g. "kg text", "screen remove"
        print(f"pqstats {command}: error: {err}", file=sys.stderr)
        hint = _HINTS.get(name)
        print(f"hint: {hint}" if hint else "hint: rerun with --debug for the traceback",
              file=sys.stderr)
        return 2

