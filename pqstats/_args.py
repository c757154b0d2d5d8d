"""Argument types shared by every ``pqstats`` subcommand (one rule per kind of option)."""

from __future__ import annotations

import argparse

__all__ = ["name_list"]


def name_list(value: str) -> list[str]:
    """A comma-separated list option (``--datasets k562,rpe1``): names, stripped.

    An empty value (``--datasets ""``) or an empty element (``k562,,rpe1``, a trailing
    comma) is refused: a run on nothing would overwrite results with nothing, and an
    empty element is usually a typo.

    Raises
    ------
    argparse.ArgumentTypeError
        Shown by argparse as ``pqstats CMD: error: argument --X: ...`` (exit code 2).
    """
    items = [v.strip() for v in value.split(",")]
    if not any(items):
        raise argparse.ArgumentTypeError(
            f"empty list {value!r}: give at least one name (comma-separated), or leave the "
            "option out for the default")
    if not all(items):
        raise argparse.ArgumentTypeError(
            f"{value!r} has an empty element (two commas in a row, or a comma at an end): "
            "give names separated by single commas")
    return items
