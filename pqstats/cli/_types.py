"""argparse types of the command line: the checks of :mod:`pqstats._checks`, as options.

Numbers are range-checked with the same rules as the Python API, and list options
(:func:`name_list`) refuse empty selections. argparse names the option::

    pqstats benchmark: error: argument --n-boot: must be at least 1, got -5
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pqstats._checks import check_float, check_fraction, check_int

__all__ = [
    "int_at_least",
    "positive_int",
    "non_negative_int",
    "fraction",
    "positive_float",
    "non_negative_float",
    "name_list",
]


def _argtype(convert: Callable[[str], object], check: Callable[[object], object],
             what: str) -> Callable[[str], object]:
    """An argparse ``type``: convert the text, then check it (message without the name:
    argparse adds ``argument --option:``)."""
    def parse(text: str):
        try:
            value = convert(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        try:
            return check(value)
        except ValueError as err:
            # "NAME must be ..." -> "must be ..."; argparse names the option
            raise argparse.ArgumentTypeError(str(err).split(" ", 1)[1]) from None

    parse.__name__ = what
    return parse


def int_at_least(minimum: int, allow: tuple[int, ...] = ()) -> Callable[[str], int]:
    """argparse type: a whole number ``>= minimum`` (or one of ``allow``)."""
    return _argtype(int, lambda v: check_int(v, "value", minimum=minimum, allow=allow),
                    "a whole number")


#: argparse type: a whole number >= 1 (counts, rows to show, budgets, resamples).
positive_int = int_at_least(1)
#: argparse type: a whole number >= 0 (seeds, retries, "0 = off" options).
non_negative_int = int_at_least(0)
#: argparse type: a number strictly between 0 and 1.
fraction = _argtype(float, lambda v: check_fraction(v, "value"), "a number")
#: argparse type: a finite number > 0 (timeouts).
positive_float = _argtype(float, lambda v: check_float(v, "value", strict=True), "a number")
#: argparse type: a finite number >= 0 (temperatures).
non_negative_float = _argtype(float, lambda v: check_float(v, "value"), "a number")


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
