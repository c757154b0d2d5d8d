"""Checks of arguments: one set for the Python API and every command line.

The Python functions call :func:`check_int` / :func:`check_fraction` / :func:`check_float`,
which raise :class:`ValueError` naming the parameter. The command line's option types
(:mod:`pqstats.cli._types`) apply the same checks and name the option.
"""

from __future__ import annotations

import math
import numbers

__all__ = [
    "check_int",
    "check_float",
    "check_fraction",
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
