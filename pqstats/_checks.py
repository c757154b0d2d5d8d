"""Checks of arguments: one set for the Python API and every command line.

Numbers are range-checked here, and list options (:func:`name_list`) refuse empty
selections.

The Python functions call :func:`check_int` / :func:`check_fraction` / :func:`check_float`,
which raise :class:`ValueError` naming the parameter. The command line parsers use the
argparse types below (:data:`positive_int`, :data:`non_negative_int`, :func:`int_at_least`,
:data:`fraction`, :data:`positive_float`, :data:`non_negative_float`), which
apply the same checks and let argparse name the option::

    pqstats benchmark: error: argument --n-boot: must be at least 1, got -5
"""

from __future__ import annotations

import argparse
import math
import numbers
from collections.abc import Callable

__all__ = [
    "check_int",
    "check_float",
    "check_fraction",
    "int_at_least",
    "positive_int",
    "non_negative_int",
    "fraction",
    "positive_float",
    "non_negative_float",
    "name_list",
]


def check_int(value: object, name: str, *, minimum: int = 1, maximum: int | None = None,
              allow: tuple[int, ...] = ()) -> int:
    """``value`` as an int, or a ValueError naming ``name`` and the allowed range.

    Parameters
    ----------
    value : object
        An integer (``bool`` and floats are refused: ``2.5`` boots is a mistake).
    name : str
        The parameter's name, for the message.
    minimum, maximum : int
        Inclusive bounds (``maximum`` None: no upper bound).
    allow : tuple of int
        Values accepted outside the bounds (``-1`` for "all cores").
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value in allow:
        return value
    extra = f" (or {', '.join(map(str, allow))})" if allow else ""
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}{extra}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}{extra}, got {value}")
    return value


def check_float(value: object, name: str, *, minimum: float = 0.0,
                strict: bool = False) -> float:
    """``value`` as a finite float ``>= minimum`` (``> minimum`` when ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < minimum or (strict and v == minimum):
        op = "greater than" if strict else "at least"
        raise ValueError(f"{name} must be a finite number {op} {minimum:g}, got {value!r}")
    return v


def check_fraction(value: object, name: str) -> float:
    """``value`` as a float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    v = float(value)
    if not 0.0 < v < 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return v


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
