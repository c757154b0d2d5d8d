"""The reliability diagram: observed rate against mean predicted probability, per bin.

Drawing only (the numbers come from :func:`pqstats.calibration.reliability_table`); the
report places the figure. Each curve is one model or cell; the diagonal is perfect
calibration, points above it are probabilities that are too low.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["plot_reliability"]


def plot_reliability(tables: dict[str, pd.DataFrame], path: str | os.PathLike,
                     title: str = "Reliability (15 equal-mass bins, test pairs)") -> Path:
    """Draw reliability curves and write the figure atomically.

    Parameters
    ----------
    tables : dict
        Curve label → a :func:`pqstats.calibration.reliability_table` result.
    path : path-like
        Where to write (PNG, SVG or PDF by the suffix).
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from pqstats._io import atomic_write

    if not tables:
        raise ValueError("no reliability table to draw; pass {label: reliability_table(...)}")
    for label, table in tables.items():
        missing = {"mean_predicted", "observed_rate"} - set(table.columns)
        if missing:
            raise ValueError(f"{label!r}: not a reliability table (missing {sorted(missing)}); "
                             "make it with pqstats.calibration.reliability_table")
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    for label, table in tables.items():
        ax.plot(table["mean_predicted"], table["observed_rate"], marker="o", ms=3, label=label)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="mean predicted probability",
           ylabel="observed rate", title=title)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    suffix = Path(path).suffix.lstrip(".") or "png"
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format=suffix, dpi=120))
    finally:
        plt.close(fig)
