"""DE tables in cell-eval's schema, both ways: read a lab's table, write predictions.

The field's evaluation toolkit for perturbation predictions, cell-eval (Arc Institute),
reads differential-expression results as a long table with the columns

    target, feature, log2_fold_change, p_value, fdr

(one row per knockdown ``target`` and measured gene ``feature``; other columns are
allowed and ignored). :func:`read_de_table` reads such a table into pqstats' statistics
form (``pert, gene, log2fc, pvalue, padj``, the input of a ``stats`` import), and
:func:`label_de_table` labels *every* row under an explicit rule that the user can change
(:class:`DETableRule`; cell-eval's own: DE when ``fdr < 0.05``, direction the sign of the
fold change). :func:`write_de_table` writes pqstats' predictions in the same schema so
that cell-eval reads them:

* ``fdr`` and ``p_value`` hold :math:`1 - P(\\text{DE})`: cell-eval ranks genes by
  :math:`-\\log_{10}(\\text{fdr})` for its AUCs, which is then the ranking by P(DE), and
  its significance rule ``fdr < 0.05`` calls a gene DE when P(DE) > 0.95;
* ``log2_fold_change`` holds :math:`(2 P(\\text{up} | \\text{DE}) - 1)\\, P(\\text{DE})`:
  its sign is the predicted direction, its size grows with both confidences. It is not a
  fold change; it is what cell-eval reads from that column (a sign and an order).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pqstats._checks import check_float, check_fraction

__all__ = ["DE_TABLE_COLUMNS", "DETableRule", "read_de_table", "label_de_table",
           "write_de_table", "predictions_to_de_table"]

#: cell-eval's DE-table columns, in its order.
DE_TABLE_COLUMNS: tuple[str, ...] = ("target", "feature", "log2_fold_change", "p_value", "fdr")


@dataclass(frozen=True)
class DETableRule:
    """How a DE table's rows become labels (every row gets one; nothing is sampled).

    Parameters
    ----------
    fdr : float
        A gene is DE when its ``fdr`` is below this (strictly, as cell-eval).
    min_abs_log2fc : float
        ... and its ``|log2_fold_change|`` is above this (0: any non-zero change).
    """

    fdr: float = 0.05
    min_abs_log2fc: float = 0.0

    def __post_init__(self) -> None:
        check_fraction(self.fdr, "fdr")
        check_float(self.min_abs_log2fc, "min_abs_log2fc")

    def describe(self) -> str:
        """The rule in one sentence."""
        return (f"DE (label 1) when fdr < {self.fdr} and |log2_fold_change| > "
                f"{self.min_abs_log2fc}, else 0; on DE rows Dir = 1 (up) when "
                "log2_fold_change > 0, else 0 (down)")

    def as_dict(self) -> dict:
        """The rule's parameters."""
        return asdict(self)


def _table(source, what: str) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source, what
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if path.suffix == ".parquet":
        return pd.read_parquet(path), path.name
    sep = "\t" if path.suffix in (".tsv", ".txt") else ","
    return pd.read_csv(path, sep=sep), path.name


def read_de_table(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read a DE table in cell-eval's schema into pqstats' statistics form.

    Parameters
    ----------
    source : path-like or DataFrame
        CSV, TSV or parquet with the columns of :data:`DE_TABLE_COLUMNS` (others are
        ignored).

    Returns
    -------
    pandas.DataFrame
        Columns ``pert, gene, log2fc, pvalue, padj`` (``target``, ``feature``,
        ``log2_fold_change``, ``p_value``, ``fdr``), one row per (pert, gene).

    Raises
    ------
    ValueError
        A missing column (named, with the schema), a value that is not a finite number,
        a p-value or FDR outside [0, 1], or a (target, feature) pair given twice.
    """
    df, name = _table(source, "DE table")
    missing = [c for c in DE_TABLE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}; a DE table in "
                         f"cell-eval's schema has {', '.join(DE_TABLE_COLUMNS)} (got "
                         f"{', '.join(map(str, df.columns[:8]))})")
    out = pd.DataFrame({"pert": df["target"].astype(str).str.strip(),
                        "gene": df["feature"].astype(str).str.strip()})
    for src, dst in (("log2_fold_change", "log2fc"), ("p_value", "pvalue"), ("fdr", "padj")):
        values = pd.to_numeric(df[src], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(f"{name}: {int(bad.sum())} {src} values are not finite numbers "
                             f"(e.g. row {int(np.flatnonzero(bad)[0])}); drop or fill them")
        if src != "log2_fold_change" and ((values < 0) | (values > 1)).any():
            raise ValueError(f"{name}: {src} must lie in [0, 1]")
        out[dst] = values
    dup = out.duplicated(["pert", "gene"])
    if dup.any():
        ex = out.loc[dup, ["pert", "gene"]].head(3).to_records(index=False).tolist()
        raise ValueError(f"{name}: {int(dup.sum())} (target, feature) pairs occur more than "
                         f"once, e.g. {ex}; give one row per knockdown and gene")
    return out


def label_de_table(stats: pd.DataFrame, rule: DETableRule | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Label every row of a read DE table under ``rule``.

    Parameters
    ----------
    stats : DataFrame
        The result of :func:`read_de_table`.
    rule : DETableRule, optional
        Default: cell-eval's (fdr < 0.05, any non-zero fold change).

    Returns
    -------
    (DataFrame, DataFrame)
        DE pairs ``pert, gene, label`` (every row) and Dir pairs ``pert, gene, label``
        (the DE rows; 1 = up).
    """
    rule = rule or DETableRule()
    de_mask = (stats["padj"] < rule.fdr) & (stats["log2fc"].abs() > rule.min_abs_log2fc)
    de = stats[["pert", "gene"]].assign(label=de_mask.astype(np.int8).to_numpy())
    direction = stats.loc[de_mask, ["pert", "gene"]].assign(
        label=(stats.loc[de_mask, "log2fc"] > 0).astype(np.int8).to_numpy())
    return de.reset_index(drop=True), direction.reset_index(drop=True)


def predictions_to_de_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """Predictions (``pert, gene, p_de, p_up``) as a DE table in cell-eval's schema.

    See the module docstring for what each column holds. Extra columns ``p_de`` and
    ``p_up`` are kept, so the probabilities travel with the table.
    """
    need = {"pert", "gene", "p_de", "p_up"}
    if not isinstance(predictions, pd.DataFrame) or not need <= set(predictions.columns):
        have = list(predictions.columns) if isinstance(predictions, pd.DataFrame) else []
        raise ValueError(f"predictions need columns pert, gene, p_de and p_up (got {have})")
    p_de = predictions["p_de"].to_numpy(dtype=float)
    p_up = predictions["p_up"].to_numpy(dtype=float)
    for name, p in (("p_de", p_de), ("p_up", p_up)):
        if not (np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()):
            raise ValueError(f"{name} must be probabilities in [0, 1]")
    if predictions.duplicated(["pert", "gene"]).any():
        raise ValueError("predictions hold a (pert, gene) pair more than once")
    return pd.DataFrame({"target": predictions["pert"].astype(str).to_numpy(),
                         "feature": predictions["gene"].astype(str).to_numpy(),
                         "log2_fold_change": (2 * p_up - 1) * p_de,
                         "p_value": 1 - p_de, "fdr": 1 - p_de,
                         "p_de": p_de, "p_up": p_up})


def write_de_table(predictions: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write predictions as a cell-eval DE table (CSV, atomically); returns the path."""
    from pqstats._io import atomic_write_csv

    return atomic_write_csv(path, predictions_to_de_table(predictions), index=False)
