"""Three more attempts at strict-track Dir (#17), by grouped CV on the TRAINING splits only.

3-fold CV grouped by perturbation (the folds of :func:`pqstats.evaluation.cross_validate`,
scored fold by fold), logistic and XGBoost with the shipped settings and features, against:

* ``+ DE split``: the retrieval and kernel-ridge features of the same screen's DE training
  rows of the fit's own knockdowns (out of fold for the training rows): does what a
  knockdown changes at all say which way it changes a gene?
* ``+ knowledge-neighbour genes``: the retrieval and ridge scores of the combined and GO
  spaces, smoothed over each gene's 20 nearest genes in the combined knowledge space
  instead of over genes that co-respond in training, for genes with few training pairs;
* ``ranking objective``: the model fitted to rank within gene, which is what the per-gene
  AUROC scores (XGBoost ``rank:pairwise`` with the gene as query; logistic regression on
  the feature differences of each gene's up and down pairs).

No test split is read. Writes results/strict_dir_attempts.csv and .md (`make select`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler, normalize

from pqstats._io import atomic_write_csv, atomic_write_text, markdown_table
from pqstats.benchmark import available_builtin_screens
from pqstats.evaluation import auc_per_gene, grouped_folds
from pqstats.features import load_graph
from pqstats.features.pairs import PairFeaturizer, _canonical
from pqstats.features.profiles import DEFAULT_SPACES, gene_profiles
from pqstats.features.retrieval import ResponseRetrieval, top_k_rows
from pqstats.models import LogisticModel, XGBoostModel
from pqstats.screens import load_pairs

OUT = "results"
NEIGHBOURS = 20
SHIPPED = {"groups": ("retrieval", "ridge", "graph"), "gene_neighbours": 100}


def neighbour_gene_features(r: ResponseRetrieval, pairs: pd.DataFrame) -> pd.DataFrame:
    """Retrieval and ridge scores (spaces all, go) smoothed over knowledge-similar genes."""
    genes = gene_profiles(load_graph(), "all")
    query = pd.Index(np.unique(pairs["pert"]))
    readouts = pd.Index(np.unique(pairs["gene"]))
    sim = (genes.rows(readouts) @ genes.rows(r.genes_).T).toarray()
    itself = readouts.get_indexer(r.genes_)
    sim[itself[itself >= 0], np.flatnonzero(itself >= 0)] = 0.0  # never a gene's own column
    kernel = normalize(top_k_rows(sim, NEIGHBOURS), norm="l1")
    qi, gi = query.get_indexer(pairs["pert"]), readouts.get_indexer(pairs["gene"])
    out = {}
    for prof, rows, factor in zip(r.profiles, r.train_rows_, r.ridge_factors_, strict=True):
        if prof.space not in ("all", "go"):
            continue
        raw = np.asarray((prof.rows(query) @ rows.T).todense(), dtype=np.float32)
        ridge = r._ridge_weights(factor, raw) @ r.residual_
        for name, score in (("retrieval", r._retrieve(np.maximum(raw, 0.0))), ("ridge", ridge)):
            out[f"neighbour_genes_{prof.space}_{name}"] = (kernel @ score.T).T[qi, gi]
    return pd.DataFrame(out, index=pairs.index)


def _retrieval(kg) -> ResponseRetrieval:
    return ResponseRetrieval([gene_profiles(kg, s) for s in DEFAULT_SPACES],
                             gene_neighbours=SHIPPED["gene_neighbours"], ridge=10.0)


def neighbour_genes(train: pd.DataFrame, y: np.ndarray, held: pd.DataFrame):
    """Out-of-fold features of the training rows (the featuriser's 5 folds) and of held."""
    kg = load_graph()
    canon_train, canon_held = _canonical(train), _canonical(held)
    parts = [neighbour_gene_features(_retrieval(kg).fit(canon_train.iloc[a], y[a]),
                                     canon_train.iloc[b])
             for a, b in GroupKFold(5).split(train, groups=train["pert"])]
    return (pd.concat(parts).loc[train.index],
            neighbour_gene_features(_retrieval(kg).fit(canon_train, y), canon_held))


def de_split(dataset: str, train: pd.DataFrame, held: pd.DataFrame):
    """Features from the DE training rows of the fit's own knockdowns."""
    de = load_pairs(dataset, "de").query("split == 'train'")
    de = de[de["pert"].isin(set(train["pert"]))].reset_index(drop=True)
    f = PairFeaturizer(dataset=dataset, task="de", groups=("retrieval", "ridge"),
                       gene_neighbours=SHIPPED["gene_neighbours"])
    oof = f.fit_transform(de[["pert", "gene"]], de["label"].to_numpy()).add_prefix("de_")
    oof.index = pd.MultiIndex.from_frame(de[["pert", "gene"]])
    rows = oof.reindex(pd.MultiIndex.from_frame(train[["pert", "gene"]]))
    return (rows.fillna(0.0).set_axis(train.index),
            f.transform(held[["pert", "gene"]]).add_prefix("de_").set_axis(held.index))


def within_gene_differences(X: np.ndarray, y: np.ndarray, genes: np.ndarray,
                            rng: np.random.Generator, most: int = 400_000):
    """Feature differences of each gene's (up, down) pairs, half of them flipped."""
    frame = pd.DataFrame({"gene": genes, "y": y, "row": np.arange(len(y))})
    up, down = [], []
    for _, one in frame.groupby("gene"):
        a, b = np.meshgrid(one.row[one.y == 1].to_numpy(), one.row[one.y == 0].to_numpy())
        up.append(a.ravel())
        down.append(b.ravel())
    up, down = np.concatenate(up), np.concatenate(down)
    if len(up) > most:
        pick = rng.choice(len(up), most, replace=False)
        up, down = up[pick], down[pick]
    flip = rng.random(len(up)) < 0.5
    diff = X[up] - X[down]
    diff[flip] *= -1
    return diff, (~flip).astype(int)


def scores(variant: str, A: np.ndarray, y: np.ndarray, B: np.ndarray,
           genes: np.ndarray) -> dict[str, np.ndarray]:
    """Logistic and XGBoost scores of B after fitting on A (the shipped settings)."""
    out = {}
    if variant == "ranking objective":
        from xgboost import XGBRanker

        scaler = StandardScaler().fit(A)
        diff, side = within_gene_differences(scaler.transform(A), y, genes,
                                             np.random.default_rng(0))
        pairwise = LogisticRegression(C=LogisticModel().C, fit_intercept=False,
                                      max_iter=2000).fit(diff, side)
        out["logistic"] = scaler.transform(B) @ pairwise.coef_[0]
        params = XGBoostModel(n_jobs=2, task="dir")._make_classifier().get_params()
        params.update(objective="rank:pairwise", lambdarank_pair_method="mean",
                      lambdarank_num_pair_per_sample=32, eval_metric=None)
        codes = pd.factorize(genes)[0]
        order = np.argsort(codes, kind="stable")
        out["xgboost"] = XGBRanker(**params).fit(A[order], y[order],
                                                 qid=codes[order]).predict(B)
        return out
    out["logistic"] = LogisticModel()._make_classifier().fit(A, y).decision_function(B)
    xgboost = XGBoostModel(n_jobs=2, task="dir")._make_classifier()
    out["xgboost"] = xgboost.fit(A, y).predict_proba(B)[:, 1]
    return out


def main() -> None:
    rows = []
    for dataset in available_builtin_screens():
        data = load_pairs(dataset, "dir").query("split == 'train'").reset_index(drop=True)
        y = data["label"].to_numpy().astype(int)
        folds: dict[tuple[str, str], list[float]] = {}
        for fit_idx, held_idx in grouped_folds(data, 3, 0):
            train, held = data.iloc[fit_idx], data.iloc[held_idx]
            f = PairFeaturizer(dataset=dataset, task="dir", **SHIPPED)
            base_train = f.fit_transform(train[["pert", "gene"]], y[fit_idx])
            base_held = f.transform(held[["pert", "gene"]])
            extra = {"+ DE split": de_split(dataset, train, held),
                     "+ knowledge-neighbour genes": neighbour_genes(
                         train[["pert", "gene"]], y[fit_idx], held[["pert", "gene"]])}
            for variant in ("shipped", "+ DE split", "+ knowledge-neighbour genes",
                            "ranking objective"):
                A, B = base_train, base_held
                if variant in extra:
                    A = pd.concat([A, extra[variant][0]], axis=1)
                    B = pd.concat([B, extra[variant][1]], axis=1)
                got = scores(variant, A.to_numpy(np.float32), y[fit_idx],
                             B.to_numpy(np.float32), train["gene"].to_numpy())
                for model, s in got.items():
                    folds.setdefault((model, variant), []).append(auc_per_gene(held, s))
        for (model, variant), values in folds.items():
            rows.append({"dataset": dataset, "model": model, "variant": variant,
                         "auroc": float(np.mean(values))})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    atomic_write_csv(f"{OUT}/strict_dir_attempts.csv", table)
    wide = table.pivot_table(index=["model", "variant"], columns="dataset", values="auroc",
                             sort=False)
    wide["mean"] = wide.mean(axis=1)
    atomic_write_text(f"{OUT}/strict_dir_attempts.md", "\n".join([
        "# Three more attempts at strict-track Dir (3-fold CV grouped by perturbation, "
        "training splits only)", "",
        "`python benchmarks/strict_dir_attempts.py`. Mean over folds of the per-gene AUROC; "
        "the shipped features and settings, with each attempt added (see the script's "
        "docstring). No test split is read.", "",
        markdown_table(wide.reset_index(), floatfmt=".4f"), ""]))


if __name__ == "__main__":
    main()
