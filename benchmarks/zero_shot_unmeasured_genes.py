"""Zero-shot on genes no other screen measured, by held-out-line validation on TRAINING splits.

A zero-shot pair feature of (p, g) needs gene g in some source screen's training pairs; a
gene that no source measured (a readout only the target line has, or for Dir a gene that
was never differentially expressed in a source) keeps only the perturbation's strengths
and the graph relations. This script measures how much of the per-gene AUROC that costs,
and tries two remedies, with each PerturbQA cell line held out in turn as
``zero_shot_selection.py`` does (the logistic model learns from the other screens'
training pairs and is scored on the held-out line's training split; no test split is read):

* ``gene-free model``: the genes no source measured are scored by a second logistic model
  that reads only the strengths and the graph relations (the per-gene AUROC ranks within a
  gene, so each gene may take its scores from either model);
* ``neighbour imputation (k)``: an unmeasured gene's pair features are the similarity-
  weighted mean of those of its k nearest measured genes in the combined knowledge space,
  in the held-out line's pairs only, or in the training rows as well (each source's rows
  from the other sources' measured genes).

Writes results/zero_shot_unmeasured_genes.csv and .md (`make select`; a few minutes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from zero_shot_selection import held_out_lines

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.evaluation import auc_per_gene, auroc_by_group
from pqstats.features import load_graph
from pqstats.features.profiles import gene_profiles
from pqstats.features.zero_shot import ZeroShotFeaturizer, fit_task_logistic, zero_shot_logistic
from pqstats.models import LogisticModel

OUT = "results"


def measured_genes(zs: ZeroShotFeaturizer, exclude: str | None = None) -> list[str]:
    """Genes in the training pairs of the featuriser's sources (but ``exclude``)."""
    return sorted(set().union(*[set(zs.retrievals_[s].genes_) for s in zs.sources_
                                if s != exclude]))


def impute(zs: ZeroShotFeaturizer, features: pd.DataFrame, pairs: pd.DataFrame,
           measured: list[str], columns: list[str], k: int,
           exclude: str | None = None) -> pd.DataFrame:
    """``features`` of ``pairs`` with the pair ``columns`` of unmeasured genes imputed from
    their k nearest measured genes (cosine in the combined knowledge space)."""
    profiles = gene_profiles(load_graph(), "all")
    unmeasured = features["zs_gene_sources"].to_numpy() == 0
    genes = pd.Index(sorted(set(pairs["gene"].to_numpy()[unmeasured])))
    if genes.empty:
        return features
    sim = (profiles.rows(genes) @ profiles.rows(measured).T).toarray()
    nearest = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    weight = np.maximum(np.take_along_axis(sim, nearest, axis=1), 0.0)
    rows = np.flatnonzero(unmeasured)
    at = genes.get_indexer(pairs["gene"].to_numpy()[rows])
    row = np.repeat(rows, k)
    neighbour = np.asarray(measured, dtype=object)[nearest[at].ravel()]
    w = weight[at].ravel()
    keep = w > 0
    long = pd.DataFrame({"pert": pairs["pert"].to_numpy()[row[keep]], "gene": neighbour[keep]})
    values = zs.transform(long, exclude=exclude)[columns].to_numpy(np.float64)
    weighted = pd.DataFrame(values * w[keep, None]).groupby(row[keep]).sum()
    imputed = weighted.div(pd.Series(w[keep]).groupby(row[keep]).sum(), axis=0)
    out = features.copy()
    out.iloc[imputed.index.to_numpy(), [out.columns.get_loc(c) for c in columns]] = (
        imputed.to_numpy(np.float32))
    return out


def _auroc(pairs: pd.DataFrame, features: pd.DataFrame, model, cols: list[str]) -> float:
    return auc_per_gene(pairs, model.decision_function(features[cols].to_numpy(np.float32)))


def main() -> None:
    rows = []
    C = LogisticModel().C
    for task, line, _, held_out, zs in held_out_lines():
        features, labels, origin = zs.training_set()
        cols = zs.model_columns()
        pair_cols = [c for c in cols if c.startswith("zs_") and not c.endswith("_strength")]
        gene_free = [c for c in cols if c not in pair_cols]
        pairs = held_out[["pert", "gene"]]
        target = zs.transform(pairs)
        shipped = zero_shot_logistic(zs, C)
        genes = zs.training_genes()  # the remedies fit as the shipped model does

        scores = shipped.decision_function(target[cols].to_numpy(np.float32))
        unmeasured = target["zs_gene_sources"].to_numpy() == 0
        by_gene = auroc_by_group(held_out, scores, by="gene")
        gene_unmeasured = (pd.Series(unmeasured, index=held_out["gene"].to_numpy())
                           .groupby(level=0).max().reindex(by_gene.index))
        row = {"task": task, "line": line,
               "unmeasured genes": float(gene_unmeasured.mean()),
               "measured genes: shipped": float(by_gene[~gene_unmeasured].mean()),
               "unmeasured genes: shipped": float(by_gene[gene_unmeasured].mean()),
               "shipped": auc_per_gene(held_out, scores)}
        second = fit_task_logistic(task, C, features[gene_free].to_numpy(np.float32), labels,
                                   genes)
        row["gene-free model"] = auc_per_gene(held_out, np.where(
            unmeasured, second.decision_function(target[gene_free].to_numpy(np.float32)),
            scores))
        measured = measured_genes(zs)
        imputed = {k: impute(zs, target, pairs, measured, pair_cols, k) for k in (5, 20)}
        for k, features_k in imputed.items():
            row[f"neighbour imputation ({k}), target"] = _auroc(held_out, features_k, shipped,
                                                                cols)
        parts, part_labels = [], []
        for src, src_rows in zs.training_rows():
            mine = origin == src
            parts.append(impute(zs, features[mine].reset_index(drop=True),
                                src_rows[["pert", "gene"]].reset_index(drop=True),
                                measured_genes(zs, exclude=src), pair_cols, 20, exclude=src))
            part_labels.append(labels[mine])
        assert (np.concatenate(part_labels) == labels).all()  # the training set's row order
        refit = fit_task_logistic(task, C, pd.concat(parts)[cols].to_numpy(np.float32),
                                  labels, genes)
        row["neighbour imputation (20), training rows and target"] = _auroc(
            held_out, imputed[20], refit, cols)
        rows.append(row)
        print(row, flush=True)
    table = pd.DataFrame(rows)
    atomic_write_csv(f"{OUT}/zero_shot_unmeasured_genes.csv", table)
    means = table.drop(columns="line").groupby("task").mean().T
    means["mean"] = means.mean(axis=1)
    text = (
        "# Zero-shot on genes no other screen measured (held-out lines, training splits "
        "only)\n\n`python benchmarks/zero_shot_unmeasured_genes.py`. Each PerturbQA cell "
        "line held out in turn; the logistic zero-shot model learns from the other screens' "
        "training pairs and is scored (per-gene AUROC) on the held-out line's training "
        "split. No test split is read. `unmeasured genes`: the share of scored genes that "
        "no source screen measured.\n\n"
        + markdown_table(table, floatfmt=".4f")
        + "\n\nMeans over the three lines:\n\n"
        + markdown_table(means.reset_index().rename(columns={"index": "row"}),
                         floatfmt=".4f") + "\n")
    atomic_write_text(f"{OUT}/zero_shot_unmeasured_genes.md", text)


if __name__ == "__main__":
    main()
