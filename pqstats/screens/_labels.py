"""From per-perturbation DE statistics to PerturbQA-shaped pair labels, and the split.

The rule (:class:`LabelRule`; defaults shaped like PerturbQA's labels):

1. **Positives** (label 1): genes with adjusted p-value ≤ ``fdr`` and
   ``|log2FC| ≥ min_abs_log2fc``; at most ``max_positives`` per perturbation, the most
   significant first (smallest adjusted p-value, then p-value, then largest ``|log2FC|``,
   then gene name).
2. **Negatives** (label 0): sampled without replacement, seeded by ``seed``, from the
   *clearly non-DE* genes of the same perturbation: p-value ≥ ``negative_min_pvalue``
   (the adjusted p-value when the table has no raw one) and ``|log2FC| < min_abs_log2fc``;
   ``negatives_per_positive`` per positive. A perturbation without positives keeps
   ``negatives_per_positive`` × (median positives per perturbation that has some)
   negatives, so no-effect perturbations stay in the screen, as negatives.
   When a perturbation has fewer clearly non-DE genes than asked for, all are taken.
3. **Dir**: on positives only, 1 if log2FC > 0 (up), else 0 (down).

Genes that are neither positive nor clearly non-DE are left out (their label would be a
guess). Sampling is independent of the input's row order (rows are sorted first).

Split (:func:`split_perturbations`): by perturbation, seeded, ``test_fraction`` of them
held out, separately among perturbations with positives and those without, so no-effect
perturbations are split like the others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from pqstats._checks import check_float, check_fraction

__all__ = ["LabelRule", "label_pairs", "split_perturbations"]

#: Columns of a statistics table as :func:`label_pairs` takes it.
STATS_COLUMNS = ["pert", "gene", "log2fc", "pvalue", "padj"]


@dataclass(frozen=True)
class LabelRule:
    """The labelling rule of a ``stats`` or ``h5ad`` import (see the module docstring)."""

    fdr: float = 0.05
    min_abs_log2fc: float = 0.25
    max_positives: int = 20
    negatives_per_positive: int = 6
    negative_min_pvalue: float = 0.2
    seed: int = 0

    def __post_init__(self) -> None:
        check_fraction(self.fdr, "fdr")
        check_float(self.min_abs_log2fc, "min_abs_log2fc")
        for name in ("max_positives", "negatives_per_positive"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, not {getattr(self, name)}")
        if not self.fdr < self.negative_min_pvalue <= 1:
            raise ValueError(f"negative_min_pvalue must be in (fdr, 1], not "
                             f"{self.negative_min_pvalue}")

    def describe(self) -> str:
        """The rule in one paragraph, for the manifest and the report."""
        return (
            f"positive: adjusted p <= {self.fdr} and |log2FC| >= {self.min_abs_log2fc}, "
            f"at most {self.max_positives} per perturbation, most significant first; "
            f"negative: {self.negatives_per_positive} per positive sampled (seed "
            f"{self.seed}) from genes with p >= {self.negative_min_pvalue} and |log2FC| < "
            f"{self.min_abs_log2fc}; a perturbation without positives keeps "
            f"{self.negatives_per_positive} x (median positives per perturbation) "
            "negatives; Dir = 1 if log2FC > 0 on positives, else 0")

    def as_dict(self) -> dict:
        """The rule's parameters."""
        return asdict(self)


def label_pairs(stats: pd.DataFrame, rule: LabelRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Label pairs from DE statistics.

    Parameters
    ----------
    stats : pandas.DataFrame
        Columns ``pert, gene, log2fc, pvalue, padj`` (``pvalue`` may be all-NaN when the
        table only had adjusted p-values), one row per (pert, gene), no NaN elsewhere.
    rule : LabelRule

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        DE pairs ``pert, gene, label`` and Dir pairs ``pert, gene, label``, sorted by
        perturbation, then positives by significance, then negatives by gene.
    """
    pert_code, pert_names = pd.factorize(np.asarray(stats["pert"], dtype=object), sort=True)
    gene_code, gene_names = pd.factorize(np.asarray(stats["gene"], dtype=object), sort=True)
    order = np.lexsort((gene_code, pert_code))  # row order of the input does not matter
    pert, gene = pert_code[order], gene_code[order]
    lfc = stats["log2fc"].to_numpy(float)[order]
    padj = stats["padj"].to_numpy(float)[order]
    p_raw = stats["pvalue"].to_numpy(float)[order]
    p_raw = np.where(np.isnan(p_raw), padj, p_raw)
    big = np.abs(lfc) >= rule.min_abs_log2fc

    pos = np.flatnonzero((padj <= rule.fdr) & big)
    # most significant first: padj, then p, then |log2FC| (larger first), then gene
    pos = pos[np.lexsort((gene[pos], -np.abs(lfc[pos]), p_raw[pos], padj[pos], pert[pos]))]
    pos = pos[_rank_within(pert[pos]) < rule.max_positives]
    n_pert = len(pert_names)
    n_pos = np.bincount(pert[pos], minlength=n_pert)
    median = float(np.median(n_pos[n_pos > 0])) if (n_pos > 0).any() else 1.0
    want = np.where(n_pos > 0, n_pos, max(1, int(round(median)))) * rule.negatives_per_positive

    calm = np.flatnonzero((p_raw >= rule.negative_min_pvalue) & ~big)
    key = np.random.default_rng(rule.seed).random(len(calm))
    calm = calm[np.lexsort((key, pert[calm]))]
    neg = calm[_rank_within(pert[calm]) < want[pert[calm]]]
    neg = neg[np.lexsort((gene[neg], pert[neg]))]

    rows = np.concatenate([pos, neg])
    label = np.concatenate([np.ones(len(pos), np.int8), np.zeros(len(neg), np.int8)])
    by_pert = np.argsort(pert[rows], kind="stable")  # positives first within a pert
    rows, label = rows[by_pert], label[by_pert]
    de = pd.DataFrame({"pert": pert_names[pert[rows]].astype(object),
                       "gene": gene_names[gene[rows]].astype(object), "label": label})
    direction = pd.DataFrame({"pert": pert_names[pert[pos]].astype(object),
                              "gene": gene_names[gene[pos]].astype(object),
                              "label": (lfc[pos] > 0).astype(np.int8)})
    return de, direction


def _rank_within(sorted_codes: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal codes of a sorted array."""
    if not len(sorted_codes):
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    run = np.repeat(starts, np.diff(np.r_[starts, len(sorted_codes)]))
    return np.arange(len(sorted_codes)) - run


def split_perturbations(perts, has_effect, test_fraction: float, seed: int) -> dict[str, str]:
    """Assign each perturbation to ``train`` or ``test``.

    Parameters
    ----------
    perts : sequence of str
        Distinct perturbations.
    has_effect : sequence of bool
        Whether each perturbation has a positive pair; the two groups are split
        separately, each with ``round(test_fraction * n)`` held out.
    test_fraction : float
        In [0, 1).
    seed : int

    Returns
    -------
    dict
        Perturbation → ``"train"`` or ``"test"``.
    """
    perts = np.asarray(perts, dtype=object)
    has_effect = np.asarray(has_effect, dtype=bool)
    rng = np.random.default_rng(seed)
    out: dict[str, str] = {}
    for stratum in (True, False):
        group = np.sort(perts[has_effect == stratum])
        n_test = int(round(test_fraction * len(group)))
        test = set(rng.permutation(group)[:n_test].tolist())
        out.update({p: "test" if p in test else "train" for p in group})
    return out
