"""Importing a user's screen: planted effects, references, real files and bad input.

Every import resolves names against the real knowledge graph (through the mirror), so the
whole module is an integration test.
"""

from __future__ import annotations

import argparse
import json
import warnings

import anndata
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
import scipy.sparse as sp

from pqstats.cli.screen import add_import_parser
from pqstats.screens import (
    DatasetError,
    get_screen,
    load_de,
    load_dir,
    table_sha256,
    validate_pairs,
)
from pqstats.screens._de import accumulate, deseq2_tests, welch_tests
from pqstats.screens._labels import LabelRule, label_pairs, split_perturbations
from pqstats.screens.imports import ScreenImportError, import_screen
from tests._helpers import linked_data_dir

pytestmark = pytest.mark.integration

TP53_ENSEMBL = "ENSG00000141510"


# ------------------------------------------------------------------ simulation
def simulate(n_perts=30, n_genes=200, cells_per_pert=60, control_cells=300, n_null=6,
             n_up=8, n_down=8, fold=3.0, seed=0):
    """Negative-binomial cells with planted up / down genes per perturbation.

    The last ``n_null`` perturbations have no effect. Gene 0 is named by TP53's Ensembl
    id (resolution check); the other genes have made-up names (unknown to the graph).

    Returns
    -------
    (anndata.AnnData, pandas.DataFrame)
        Raw counts with obs ``gene`` (perturbation) and ``replicate``; the planted pairs
        ``pert, gene, direction`` (1 = up).
    """
    rng = np.random.default_rng(seed)
    genes = [TP53_ENSEMBL] + [f"SIMG{j:04d}" for j in range(1, n_genes)]
    perts = [f"SIMP{i:03d}" for i in range(n_perts)]
    base = rng.lognormal(1.5, 0.5, n_genes)
    dispersion = 0.2  # NB: var = mu + dispersion * mu^2
    labels = ["non-targeting"] * control_cells + [p for p in perts for _ in range(cells_per_pert)]
    planted = []
    mu = np.tile(base, (len(labels), 1))
    start = control_cells
    for i, p in enumerate(perts):
        rows = slice(start + i * cells_per_pert, start + (i + 1) * cells_per_pert)
        if i >= n_perts - n_null:
            continue
        hit = rng.choice(n_genes, n_up + n_down, replace=False)
        for k, g in enumerate(hit):
            up = k < n_up
            mu[rows, g] *= fold if up else 1 / fold
            planted.append((p, genes[g], int(up)))
    size = rng.lognormal(0, 0.3, len(labels))[:, None]
    mean = mu * size
    r = 1 / dispersion
    counts = rng.negative_binomial(r, r / (r + mean)).astype(np.float32)
    obs = pd.DataFrame({"gene": labels,
                        "replicate": rng.choice(["r1", "r2"], len(labels))},
                       index=[f"cell{k}" for k in range(len(labels))])
    adata = anndata.AnnData(sp.csr_matrix(counts), obs=obs,
                            var=pd.DataFrame(index=genes))
    return adata, pd.DataFrame(planted, columns=["pert", "gene", "direction"])


@pytest.fixture(scope="module")
def sim():
    return simulate()


@pytest.fixture(scope="module")
def sim_h5ad(sim, tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "screen.h5ad"
    sim[0].write_h5ad(path)
    return path


def scanpy_reference(adata):
    """scanpy's t-test against the control on CP10k + log1p data, in long form."""
    ad = adata.copy()
    sc.pp.normalize_total(ad, target_sum=1e4)
    sc.pp.log1p(ad)
    sc.tl.rank_genes_groups(ad, "gene", reference="non-targeting", method="t-test",
                            use_raw=False)
    return sc.get.rank_genes_groups_df(ad, group=None)


def recovery(de, direction, planted):
    """Precision and recall of DE positives on planted pairs, and more."""
    truth = set(zip(planted["pert"], planted["gene"], strict=True))
    pos = de[de["label"] == 1]
    called = set(zip(pos["pert"], pos["gene"], strict=True))
    neg = set(zip(de.loc[de["label"] == 0, "pert"], de.loc[de["label"] == 0, "gene"],
                  strict=True))
    hits = planted.merge(direction, on=["pert", "gene"])
    return {"precision": len(called & truth) / len(called),
            "recall": len(called & truth) / len(truth),
            "direction_accuracy": float((hits["direction"] == hits["label"]).mean()),
            "planted_negatives": len(neg & truth)}


def read_table(path):
    return validate_pairs(pd.read_csv(path, dtype={"pert": str, "gene": str, "split": str}),
                          source=str(path))


def screens_entries(data_dir):
    root = data_dir / "screens"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# ------------------------------------------------------------------ the DE step vs references
def test_welch_equals_scanpy_t_test(sim, sim_h5ad):
    """Streamed moments of a backed h5ad give scanpy's t-test (scores, log2FC, p, BH)."""
    adata = sim[0]
    groups, codes = np.unique(adata.obs["gene"].to_numpy(str), return_inverse=True)
    samples = pd.DataFrame({"group": np.arange(len(groups)), "replicate": "all"})
    backed = anndata.read_h5ad(sim_h5ad, backed="r")
    sums = accumulate(backed.X, codes, groups, codes, samples, chunk_rows=257)
    backed.file.close()
    control = int(np.flatnonzero(groups == "non-targeting")[0])
    ours = welch_tests(sums, control, adata.var_names).astype({"pert": str, "gene": str})
    ref = scanpy_reference(adata).rename(columns={"group": "pert", "names": "gene"})
    merged = ours.merge(ref.astype({"pert": str, "gene": str}), on=["pert", "gene"])
    assert len(merged) == len(ours) == (len(groups) - 1) * adata.n_vars
    # scanpy stores scores and log fold changes as float32: compare at float32 precision
    np.testing.assert_allclose(merged["score"], merged["scores"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(merged["log2fc"], merged["logfoldchanges"], rtol=1e-4,
                               atol=1e-4)
    # p-values on the log scale: relative error of t times t^2 is far below 1e-3 here
    np.testing.assert_allclose(np.log10(merged["pvalue"]), np.log10(merged["pvals"]),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.log10(merged["padj"]), np.log10(merged["pvals_adj"]),
                               rtol=1e-4, atol=1e-6)


def test_deseq2_path_equals_pydeseq2_directly(sim):
    """Pseudobulks per perturbation x replicate, then pydeseq2 as one would call it."""
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from pydeseq2.ds import DeseqStats

    adata = sim[0]
    keep = adata.obs["gene"].isin(["non-targeting", "SIMP000", "SIMP001", "SIMP029"])
    ad = adata[keep.to_numpy()].copy()
    obs = ad.obs.astype(str)
    groups, codes = np.unique(obs["gene"].to_numpy(), return_inverse=True)
    keys = pd.DataFrame({"group": codes, "replicate": obs["replicate"].to_numpy()})
    samples = keys.drop_duplicates().sort_values(["group", "replicate"]).reset_index(drop=True)
    sample_codes = pd.MultiIndex.from_frame(samples).get_indexer(pd.MultiIndex.from_frame(keys))
    sums = accumulate(ad.X, codes, groups, sample_codes, samples, chunk_rows=50)
    control = int(np.flatnonzero(groups == "non-targeting")[0])
    ours = deseq2_tests(sums, control, ad.var_names).astype({"pert": str, "gene": str})

    dense = pd.DataFrame(ad.X.toarray(), columns=ad.var_names)
    bulk = dense.groupby([obs["gene"].to_numpy(), obs["replicate"].to_numpy()]).sum()
    inference = DefaultInference(n_cpus=1)
    for pert in ("SIMP000", "SIMP001", "SIMP029"):
        sub = bulk.loc[[pert, "non-targeting"]].astype(np.int64)
        sub.index = [f"{a}_{b}" for a, b in sub.index]
        meta = pd.DataFrame({"condition": ["perturbed" if i.startswith(pert) else "control"
                                           for i in sub.index]}, index=sub.index)
        dds = DeseqDataSet(counts=sub, metadata=meta, design="~condition",
                           inference=inference, quiet=True)
        dds.deseq2()
        st = DeseqStats(dds, contrast=["condition", "perturbed", "control"],
                        inference=inference, quiet=True)
        st.summary()
        ref = st.results_df
        mine = ours[ours["pert"] == pert].set_index("gene").loc[ref.index]
        np.testing.assert_allclose(mine["log2fc"], ref["log2FoldChange"].fillna(0), rtol=1e-6,
                                   atol=1e-9)
        np.testing.assert_allclose(mine["pvalue"], ref["pvalue"].fillna(1), rtol=1e-6,
                                   atol=1e-12)
        np.testing.assert_allclose(mine["padj"], ref["padj"].fillna(1), rtol=1e-6,
                                   atol=1e-12)
    planted = sim[1]
    called = ours[(ours["padj"] <= 0.05) & (ours["pert"] == "SIMP000")]
    truth = set(planted.loc[planted["pert"] == "SIMP000", "gene"])
    assert len(truth & set(called["gene"])) / len(truth) >= 0.9


def test_rarely_detected_genes_are_not_called_from_zero_variance(tmp_path):
    """A gene none of a small perturbation's cells has is no t-test call (it would be one:
    zero variance makes Welch's t = mean_control / se_control)."""
    rng = np.random.default_rng(5)
    n_ctrl, n_pert, genes = 200, 15, ["RARE", "STRONG"] + [f"SIMG{j}" for j in range(30)]
    x = rng.poisson(5.0, (n_ctrl + n_pert, len(genes))).astype(np.float32)
    x[:, 0] = 0
    x[:n_ctrl:4, 0] = 1  # RARE: a quarter of control cells hold one count, no perturbed cell
    x[n_ctrl:, 1] = rng.poisson(25.0, n_pert)
    obs = pd.DataFrame({"perturbation": ["non-targeting"] * n_ctrl + ["PA"] * n_pert},
                       index=[f"c{i}" for i in range(n_ctrl + n_pert)])
    path = tmp_path / "rare.h5ad"
    anndata.AnnData(sp.csr_matrix(x), obs=obs, var=pd.DataFrame(index=genes)).write_h5ad(path)
    unguarded = import_screen("unguarded", path, cell_line="SIM", data_dir=tmp_path,
                              min_expected_count=0, test_fraction=0)
    de = read_table(unguarded.path / "de.csv")
    assert set(de.loc[de["label"] == 1, "gene"]) >= {"RARE", "STRONG"}  # the artefact
    guarded = import_screen("guarded", path, cell_line="SIM", data_dir=tmp_path,
                            test_fraction=0)
    de = read_table(guarded.path / "de.csv")
    assert "RARE" not in set(de["gene"]) and "STRONG" in set(de.loc[de["label"] == 1, "gene"])
    assert guarded.counts["untestable_pairs"] == 1  # 15 x 0.25 = 3.75 expected counts < 10


# ------------------------------------------------------------------ planted effects
def test_h5ad_import_recovers_planted_effects(sim, sim_h5ad, tmp_path):
    res = import_screen("sim_cells", sim_h5ad, cell_line="SIM", data_dir=tmp_path,
                        chunk_rows=500)
    de, direction = read_table(res.path / "de.csv"), read_table(res.path / "dir.csv")
    planted = sim[1].replace({"gene": {TP53_ENSEMBL: "TP53"}})
    got = recovery(de, direction, planted)
    assert got["precision"] >= 0.9 and got["recall"] >= 0.9, got
    assert got["direction_accuracy"] == 1.0, got
    assert got["planted_negatives"] == 0, got
    c = res.counts
    # no-effect perturbations are kept (as negatives) and split like the others
    null = [f"SIMP{i:03d}" for i in range(24, 30)]
    assert set(null) <= set(de["pert"])
    # 6 x 200 null tests at a per-perturbation FDR of 0.05: a handful of false calls at most
    assert de.loc[de["pert"].isin(null), "label"].sum() <= 3
    assert c["perts"] == 30 and c["cells"] == 30 * 60 + 300 and c["control_cells"] == 300
    assert c["test_perts"] == 6 and c["train_perts"] == 24
    per = de.groupby("pert").agg(effect=("label", "max"), split=("split", "first"))
    for _, group in per.groupby("effect"):  # each stratum holds out round(0.2 n)
        assert (group["split"] == "test").sum() == round(0.2 * len(group))
    # names: the Ensembl id became TP53; the made-up names are kept and counted
    assert c["renamed_genes"] == 1 and c["unknown_genes"] == 199 and c["unknown_perts"] == 30
    manifest = json.loads((res.path / "manifest.json").read_text())
    assert manifest == res.manifest
    assert manifest["schema"] == 1 and manifest["format"] == "h5ad"
    assert manifest["inputs"][0]["file"] == "screen.h5ad"
    assert len(manifest["inputs"][0]["sha256"]) == 64
    assert manifest["options"]["pert_column"] == "gene"
    assert screens_entries(tmp_path) == ["sim_cells"]


def test_stats_import_from_scanpy_table_recovers_planted_effects(sim, tmp_path):
    table = scanpy_reference(sim[0])  # group, names, scores, logfoldchanges, pvals, pvals_adj
    path = tmp_path / "rank_genes_groups.csv"
    table.to_csv(path, index=False)
    res = import_screen("sim_stats", path, cell_line="SIM", data_dir=tmp_path)
    assert res.manifest["format"] == "stats"  # inferred from the columns
    de, direction = read_table(res.path / "de.csv"), read_table(res.path / "dir.csv")
    got = recovery(de, direction, sim[1].replace({"gene": {TP53_ENSEMBL: "TP53"}}))
    assert got["precision"] >= 0.9 and got["recall"] >= 0.9, got
    assert got["direction_accuracy"] == 1.0 and got["planted_negatives"] == 0, got


def test_stats_import_reads_pydeseq2_columns_and_keeps_its_split(tmp_path):
    rng = np.random.default_rng(1)
    genes = [f"SIMG{j:04d}" for j in range(60)]
    rows = []
    for i in range(10):
        lfc = rng.normal(0, 0.1, 60)
        p = rng.uniform(0.01, 1, 60)
        lfc[:3], p[:3] = [2.0, -1.5, 1.0], [1e-12, 1e-10, 1e-8]
        padj = np.minimum(1, p * 60 / (np.argsort(np.argsort(p)) + 1))
        rows.append(pd.DataFrame({"pert": f"P{i}", "gene": genes, "log2FoldChange": lfc,
                                  "pvalue": p, "padj": padj,
                                  "split": "test" if i < 3 else "train"}))
    path = tmp_path / "deseq2.tsv"
    pd.concat(rows).to_csv(path, sep="\t", index=False)
    res = import_screen("sim_deseq", path, cell_line="SIM", data_dir=tmp_path,
                        format="stats")
    de, direction = read_table(res.path / "de.csv"), read_table(res.path / "dir.csv")
    first = de[de["pert"] == "P0"]
    assert first.head(3)["gene"].tolist() == genes[:3]  # most significant first
    assert direction[direction["pert"] == "P0"]["label"].tolist() == [1, 0, 1]
    assert (first["label"] == 0).sum() == 6 * first["label"].sum()
    assert set(de.loc[de["split"] == "test", "pert"]) == {"P0", "P1", "P2"}
    assert res.manifest["options"]["split_source"] == "file"


# ------------------------------------------------------------------ the labelling rule
def test_label_rule_caps_samples_and_ignores_row_order():
    rng = np.random.default_rng(3)
    n = 100
    stats = pd.DataFrame({"pert": np.repeat(["A", "B", "C"], n),
                          "gene": np.tile([f"g{j}" for j in range(n)], 3),
                          "log2fc": rng.normal(0, 0.05, 3 * n),
                          "pvalue": rng.uniform(0.3, 1, 3 * n)})
    stats["padj"] = stats["pvalue"]
    stats.loc[:29, ["log2fc", "padj", "pvalue"]] = [1.0, 1e-6, 1e-8]  # 30 hits in A
    stats.loc[n:n + 4, ["log2fc", "padj", "pvalue"]] = [-1.0, 1e-3, 1e-5]  # 5 in B
    rule = LabelRule()
    de, direction = label_pairs(stats, rule)
    de2, _ = label_pairs(stats.sample(frac=1, random_state=1), rule)
    pd.testing.assert_frame_equal(de, de2)
    per = de.groupby("pert")["label"].agg(["sum", "size"])
    assert per.loc["A", "sum"] == 20 and per.loc["B", "sum"] == 5
    assert per.loc["A", "size"] - 20 == min(120, n - 30) and per.loc["B", "size"] == 5 + 30
    # C has no positive: kept with 6 x median(20, 5) = 6 x 12 (12.5 rounds to even) negatives
    assert per.loc["C", "sum"] == 0 and per.loc["C", "size"] == 72
    assert set(direction.loc[direction["pert"] == "B", "label"]) == {0}
    assert len(direction) == 25


def test_split_is_seeded_and_stratified():
    perts = [f"P{i}" for i in range(50)]
    effect = [i < 40 for i in range(50)]
    a = split_perturbations(perts, effect, 0.2, seed=0)
    assert a == split_perturbations(perts[::-1], effect[::-1], 0.2, seed=0)
    assert sum(a[p] == "test" for p in perts[:40]) == 8
    assert sum(a[p] == "test" for p in perts[40:]) == 2
    assert a != split_perturbations(perts, effect, 0.2, seed=1)


# ------------------------------------------------------------------ real files
@pytest.fixture(scope="module")
def hepg2_import(tmp_path_factory):
    """The mirror's hepg2-de.csv and hepg2-dir.csv imported as the user screen my_hepg2."""
    from pqstats.screens import fetch

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path_factory.mktemp("data"))))
        # the PerturbQA file itself: the same data as hepg2, so declared hepg2's study
        yield import_screen("my_hepg2", fetch("hepg2-de.csv"), dir_file=fetch("hepg2-dir.csv"),
                            cell_line="HepG2", study=get_screen("hepg2").study)


def test_hepg2_pairs_round_trip_gives_the_builtin_tables(hepg2_import):
    res = hepg2_import
    # registered: the loaders return the imported screen's tables like a built-in's
    screen = get_screen(" My_HepG2 ")
    assert (screen.name, screen.builtin, screen.cell_line) == ("my_hepg2", False, "HepG2")
    # the same data as hepg2: declared its study, so neither feeds the other
    assert screen.study == get_screen("hepg2").study and res.manifest["same_study_as"] == [
        "hepg2"]
    pd.testing.assert_frame_equal(load_de("my_hepg2"), load_de("hepg2"))
    pd.testing.assert_frame_equal(load_dir("my_hepg2"), load_dir("hepg2"))
    pd.testing.assert_frame_equal(read_table(res.path / "de.csv"), load_de("hepg2"))
    pd.testing.assert_frame_equal(read_table(res.path / "dir.csv"), load_dir("hepg2"))
    c = res.counts
    assert c["split_from_file"] and c["merged_gene_spellings"] == 0 == c["renamed_perts"]
    assert c["pairs_de"] == len(load_de("hepg2")) and c["unknown_genes"] > 0
    assert c["unknown_gene_examples"]  # reported, and kept in the table
    assert res.manifest["labelling"]["rule"] == "labels as given in the file"


@pytest.mark.parametrize("model", ["knn_retrieval", "logistic", "xgboost"])
def test_hepg2_import_scores_like_the_builtin(hepg2_import, model):
    """Strict-track test scores of the imported tables equal the built-in's, to 1e-9.

    The built-in's scores come through the benchmark's score cache (filled by `make
    benchmark`, else computed here); the import's are fitted afresh.
    """
    from pqstats.fit_cache import cached_fit_predict, fit_predict

    for task, builtin in (("de", load_de("hepg2")), ("dir", load_dir("hepg2"))):
        ours, _ = fit_predict(model, "my_hepg2", task, "strict",
                              load_de("my_hepg2") if task == "de" else load_dir("my_hepg2"))
        ref, _ = cached_fit_predict(model, "hepg2", task, "strict", builtin, cache=True)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)


def test_a_screen_without_a_dir_table_fits_de_without_dir_outcomes(tmp_path, monkeypatch):
    """XGBoost's strict DE default reads the screen's Dir table only where there is one;
    asked for it explicitly on a DE-only screen, the featuriser says what is missing."""
    from pqstats import models
    from pqstats.features import PairFeaturizer

    monkeypatch.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path / "data")))
    de = load_de("hepg2")
    small = de[de.pert.isin(de.pert.unique()[:80])]
    path = tmp_path / "de_only.csv"
    small.to_csv(path, index=False)
    import_screen("de_only", path, cell_line="HepG2", study=get_screen("hepg2").study)
    assert get_screen("de_only").file("dir") is None
    assert "dir_outcomes" not in models.get_for("xgboost", "de_only", "de")._groups()
    assert "dir_outcomes" in models.get_for("xgboost", "hepg2", "de")._groups()
    train = load_de("de_only").query("split == 'train'")
    with pytest.raises(ValueError, match="'de_only' has no dir table.*'dir_outcomes'"):
        PairFeaturizer(groups=("retrieval", "dir_outcomes"), dataset="de_only",
                       task="de").fit(train[["pert", "gene"]], train.label.to_numpy())


def test_pairs_names_resolve_like_perturbations(tmp_path):
    """Ensembl ids become the graph's symbol; symbols (outdated ones too) stay as written;
    unknown names stay, counted; direction given as up/down."""
    rows = [("AARS", TP53_ENSEMBL, 1, "up"), ("AARS", "GAPDH", 0, None),
            ("NOTAGENE1", "NOTAGENE2", 1, "down"), ("NOTAGENE1", "GAPDH", 0, None)]
    path = _pairs_csv(tmp_path, rows, columns=("pert", "gene", "label", "direction"))
    res = import_screen("named", path, cell_line="SIM", data_dir=tmp_path, test_fraction=0)
    de, direction = read_table(res.path / "de.csv"), read_table(res.path / "dir.csv")
    assert de["gene"].tolist() == ["TP53", "GAPDH", "NOTAGENE2", "GAPDH"]
    assert de["pert"].tolist() == ["AARS", "AARS", "NOTAGENE1", "NOTAGENE1"]
    assert direction[["pert", "gene", "label"]].values.tolist() == [
        ["AARS", "TP53", 1], ["NOTAGENE1", "NOTAGENE2", 0]]
    c = res.counts
    assert (c["renamed_genes"], c["unknown_genes"], c["unknown_perts"]) == (1, 1, 1)
    assert c["unknown_gene_examples"] == ["NOTAGENE2"]


def test_parquet_pairs(tmp_path):
    path = tmp_path / "pairs.parquet"
    pd.DataFrame({"pert": ["A", "A"], "gene": ["B", "C"], "label": [1, 0]}).to_parquet(path)
    res = import_screen("pq", path, cell_line="SIM", data_dir=tmp_path, test_fraction=0)
    assert read_table(res.path / "de.csv")["label"].tolist() == [1, 0]
    assert "dir" not in res.manifest["files"]


# ------------------------------------------------------------------ CLI
def test_cli_import(sim_h5ad, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path))
    parser = argparse.ArgumentParser(prog="pqstats screen")
    add_import_parser(parser.add_subparsers(dest="screen_command"))
    args = parser.parse_args(["import", "cli_screen", str(sim_h5ad), "--cell-line", "SIM",
                              "--format", "h5ad", "--test-fraction", "0.3",
                              "--description", "A simulated screen."])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "imported cli_screen (h5ad)" in out and "unknown to the knowledge graph" in out
    manifest = json.loads((tmp_path / "screens" / "cli_screen" / "manifest.json").read_text())
    assert manifest["description"] == "A simulated screen."
    assert manifest["options"]["test_fraction"] == 0.3 and manifest["study"] == "cli_screen"


# ------------------------------------------------------------------ bad input
def _pairs_csv(tmp_path, rows, name="pairs.csv", columns=("pert", "gene", "label")):
    path = tmp_path / name
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


BAD = {
    "no control cells": (
        lambda t, h: dict(path=h, control="ctrl"), r"no control cells.*--control"),
    "unknown pert column": (
        lambda t, h: dict(path=h, pert_column="guide"), r"unknown obs column 'guide'"),
    "unknown replicate column": (
        lambda t, h: dict(path=h, replicate_column="batch"), r"unknown obs column 'batch'"),
    "unknown pairs column": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 1, 3)],
                                          columns=("pert", "gene", "label", "weight"))),
        r"unknown column\(s\) \['weight'\]"),
    "too few cells": (
        lambda t, h: dict(path=h, min_cells=100), r"30 perturbation\(s\) have fewer than 100 "
                                                  r"cells \(e\.g\. SIMP000: 60"),
    "duplicated pairs": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 1), ("A", "C", 0), ("A", "B", 0)])),
        r"1 duplicated \(pert, gene\) pairs after gene names are resolved, e\.g\. "
        r"\('A', 'B'\)"),
    "NaN p-values": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 1.0, 0.01), ("A", "C", -1.0, None)],
                                          name="s.csv",
                                          columns=("pert", "gene", "log2fc", "pvalue"))),
        r"1 rows have a missing or non-numeric pvalue"),
    "built-in name": (
        lambda t, h: dict(name="hepg2", path=h), r"'hepg2' is the built-in screen 'hepg2'"),
    "built-in name, another spelling": (
        lambda t, h: dict(name=" K562-Set ", path=h),
        r"' K562-Set ' is the built-in screen 'k562_set'"),
    "bad name": (lambda t, h: dict(name="My-Screen", path=h), r"lower-case letters"),
    "csv said to be h5ad": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 1)]), format="h5ad"),
        r"not an h5ad \(HDF5\) file"),
    "h5ad said to be pairs": (
        lambda t, h: dict(path=h, format="pairs"), r"is an HDF5 \(h5ad\) file, not a pairs"),
    "pairs said to be stats": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 1)]), format="stats"),
        r"has a label column: it is a pairs table"),
    "labels not 0/1": (
        lambda t, h: dict(path=_pairs_csv(t, [("A", "B", 2)])), r"label must be 0 or 1"),
    "deseq2 without replicates": (
        lambda t, h: dict(path=h, method="deseq2"), r"deseq2 needs at least 2 replicate"),
    "normalised, not counts": (
        lambda t, h: dict(path=_normalised_h5ad(t)), r"not raw counts"),
    "column-wise h5ad": (
        lambda t, h: dict(path=_normalised_h5ad(t, csc=True)), r"stored column-wise \(CSC\)"),
}


def _normalised_h5ad(tmp_path, csc=False):
    x = np.full((40, 3), 0.5, dtype=np.float32)
    ad = anndata.AnnData(sp.csc_matrix(x) if csc else x,
                         obs=pd.DataFrame({"gene": ["non-targeting"] * 20 + ["A"] * 20},
                                          index=[f"c{i}" for i in range(40)]),
                         var=pd.DataFrame(index=["x", "y", "z"]))
    path = tmp_path / "norm.h5ad"
    ad.write_h5ad(path)
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_a_clear_error_and_leaves_nothing(case, sim_h5ad, tmp_path):
    make, match = BAD[case]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    kwargs = {"name": "bad_screen", "cell_line": "SIM", **make(inputs, sim_h5ad)}
    with pytest.raises(ScreenImportError, match=match):
        import_screen(kwargs.pop("name"), kwargs.pop("path"), data_dir=tmp_path, **kwargs)
    assert screens_entries(tmp_path) == []


def test_existing_name_needs_overwrite_and_failed_write_keeps_the_old(sim_h5ad, tmp_path,
                                                                       monkeypatch):
    first = import_screen("twice", sim_h5ad, cell_line="SIM", data_dir=tmp_path)
    before = {p.name: p.read_bytes() for p in first.path.iterdir()}
    with pytest.raises(ScreenImportError, match="already exists.*overwrite"):
        import_screen("twice", sim_h5ad, cell_line="SIM", data_dir=tmp_path)

    real = pd.DataFrame.to_csv

    def interrupted(self, path, *args, **kwargs):  # the Dir table's write is cut short
        real(self, path, *args, **kwargs)
        if str(path).endswith("dir.csv"):
            raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_screen("twice", sim_h5ad, cell_line="OTHER", data_dir=tmp_path, overwrite=True,
                      split_seed=1)
    with pytest.raises(KeyboardInterrupt):
        import_screen("fresh", sim_h5ad, cell_line="OTHER", data_dir=tmp_path, study="twice")
    monkeypatch.undo()
    assert screens_entries(tmp_path) == ["twice"]
    assert {p.name: p.read_bytes() for p in first.path.iterdir()} == before
    second = import_screen("twice", sim_h5ad, cell_line="OTHER", data_dir=tmp_path,
                           overwrite=True, split_seed=1)
    assert second.manifest["cell_line"] == "OTHER"
    assert screens_entries(tmp_path) == ["twice"]


def test_every_command_takes_an_imported_screen(hepg2_import, tmp_path, capsys):
    """The imported screen's name works wherever a built-in's does, in any spelling, and its
    description is Summer's cell-line sentence."""
    from pqstats.cli import main

    test = load_de("my_hepg2").query("split == 'test'")
    pert, gene = test.loc[test.label == 1, ["pert", "gene"]].iloc[0]
    candidates = tmp_path / "candidates.txt"
    candidates.write_text(f"{pert}\nTP53\n")
    commands = [
        ["cv", "--dataset", " My_HepG2 ", "--task", "de", "--model", "knn_retrieval",
         "--folds", "2", "--json"],
        ["predict", "--cell-line", "my_hepg2", "--pert", pert, "--model", "knn_retrieval",
         "--top", "5", "--json"],
        ["explain", "--cell-line", "MY_HEPG2", "--pert", pert, "--gene", gene,
         "--model", "knn_retrieval", "--json"],
        ["prioritise", "--cell-line", "my_hepg2", "--candidates", str(candidates),
         "--model", "knn_retrieval", "--budget", "1", "--json"],
    ]
    for argv in commands:
        assert main(argv) == 0, (argv, capsys.readouterr().err)
        assert json.loads(capsys.readouterr().out), argv
    assert main(["summer", "prompt", pert, gene, "--dataset", "my_hepg2"]) == 0
    assert get_screen("my_hepg2").description in capsys.readouterr().out


# ------------------------------------------------------------------ issue 32: bad input
def _h5ad(tmp_path, labels, genes, empty=(), boost=None, name="cells.h5ad", seed=0):
    """Poisson counts of ``labels`` cells x ``genes``; ``empty`` rows all zero; ``boost``
    (label, gene index) multiplies that gene's counts by 6 in those cells."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(8, (len(labels), len(genes))).astype(np.float32)
    if boost is not None:
        rows = [i for i, lab in enumerate(labels) if lab in boost[0]]
        x[rows, boost[1]] = rng.poisson(48, len(rows))
    x[list(empty)] = 0
    with warnings.catch_warnings():  # anndata warns of repeated var_names: that is the case
        warnings.simplefilter("ignore", UserWarning)
        ad = anndata.AnnData(sp.csr_matrix(x), obs=pd.DataFrame(
            {"gene": labels}, index=[f"c{i}" for i in range(len(labels))]),
            var=pd.DataFrame(index=genes))
    path = tmp_path / name
    ad.write_h5ad(path)
    return path


CONTROL = ["non-targeting"] * 20


def _stats_csv(tmp_path, lfc, pvalue, perts=None, column="pvalue"):
    n = len(lfc)
    perts = perts or [f"{p}" for p in np.repeat(["TP53", "MYC"], n // 2)]
    genes = [f"G{i}" for i in range(n // 2)] * 2
    return _pairs_csv(tmp_path, list(zip(perts, genes, lfc, pvalue, strict=True)),
                      name="stats.csv", columns=("pert", "gene", "log2fc", column))


SPLIT_COLUMNS = ("pert", "gene", "label", "split")
BAD_32 = {
    # names of screens
    "screen name ending in a newline": (
        lambda t, h: dict(name="my_screen\n", path=h), r"without spaces or line breaks"),
    "screen name with a space": (
        lambda t, h: dict(name="my screen", path=h), r"without spaces or line breaks"),
    "screen name with a tab": (
        lambda t, h: dict(name="my\tscreen", path=h), r"without spaces or line breaks"),
    "screen name too long": (
        lambda t, h: dict(name="a" * 65, path=h), r"has 65 characters; use at most 64"),
    # one gene, two spellings: duplicates are checked after resolution
    "symbol and Ensembl id of one perturbation": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), (TP53_ENSEMBL, "MYC", 0),
                                              ("TP53", "ACTB", 0)])),
        r"1 duplicated .*\('TP53', 'MYC'\), written .*two spellings of one gene"),
    "readout with a leading space": (
        lambda t, h: dict(path=_pairs_csv(t, [("AAMP", "MYC", 1), ("AAMP", " MYC", 0),
                                              ("AAMP", "ACTB", 0)])),
        r"\('AAMP', 'MYC'\), written .*' MYC'"),
    "perturbation in lower case": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("tp53", "MYC", 0),
                                              ("TP53", "ACTB", 0)])),
        r"\('TP53', 'MYC'\), written .*'tp53'"),
    "alias and symbol of one readout": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("TP53", "MRTL", 0),
                                              ("TP53", "ACTB", 0)])),
        r"\('TP53', 'MYC'\), written .*'MRTL'"),
    "NCBI id and symbol, ids declared": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("7157", "MYC", 0),
                                              ("TP53", "ACTB", 0)]), ncbi_ids=True),
        r"\('TP53', 'MYC'\), written .*'7157'"),
    "one perturbation in both splits under two spellings": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1, "train"),
                                              (TP53_ENSEMBL, "ACTB", 0, "test"),
                                              ("AAMP", "MYC", 0, "train")],
                                          columns=SPLIT_COLUMNS)),
        r"perturbations in both train and test, e\.g\. \['TP53'\]"),
    "guides of one target in both splits": (
        lambda t, h: dict(path=_pairs_csv(t, [("g1", "MYC", 1, "train", "TP53"),
                                              ("g2", "MYC", 0, "test", "tp53"),
                                              ("g3", "MYC", 0, "train", "AAMP")],
                                          columns=(*SPLIT_COLUMNS, "target"))),
        r"targets with guides in both train and test, e\.g\. \['TP53'\]"),
    "a guide with two targets": (
        lambda t, h: dict(path=_pairs_csv(t, [("g1", "MYC", 1, "TP53"),
                                              ("g1", "ACTB", 0, "AAMP")],
                                          columns=("pert", "gene", "label", "target"))),
        r"perturbations with several targets, e\.g\. \['g1'\]"),
    "integer perturbation codes": (
        lambda t, h: dict(path=_pairs_csv(t, [("0", "MYC", 1), ("1", "MYC", 0),
                                              ("2", "ACTB", 0)])),
        r"3 pert names are whole numbers \(e\.g\. 0, 1, 2\).*--ncbi-ids"),
    "integer readout codes": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "10", 1), ("TP53", "11", 0)])),
        r"2 gene names are whole numbers"),
    "blank perturbation name": (
        lambda t, h: dict(path=_pairs_csv(t, [("  ", "MYC", 1), ("TP53", "MYC", 0)])),
        r"pert names: 1 blank names"),
    # degenerate label sets
    "no positive": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 0), ("AAMP", "MYC", 0)])),
        r"no DE positive \(no label 1\) among 2 pairs"),
    "no negative": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("AAMP", "MYC", 1)])),
        r"every one of 2 pairs is DE \(label 1\), no negative"),
    "test fraction leaves no training perturbation": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("TP53", "ACTB", 0)]),
                          test_fraction=0.9),
        r"no training perturbation: all 1 are in the test split.*--test-fraction"),
    "split column with only test": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1, "test"),
                                              ("AAMP", "ACTB", 0, "test")],
                                          columns=SPLIT_COLUMNS)),
        r"no training perturbation: all 2"),
    "Dir label on a DE negative": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("TP53", "ACTB", 0)]),
                          dir_file=_pairs_csv(t, [("TP53", "MYC", 1), ("TP53", "ACTB", 0)],
                                              name="dir.csv")),
        r"1 Dir labels are on pairs that are not DE positives.*\[\('TP53', 'ACTB'\)\]"),
    "Dir label on a pair not in the DE table": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1), ("TP53", "ACTB", 0)]),
                          dir_file=_pairs_csv(t, [("TP53", "GAPDH", 1)], name="dir.csv")),
        r"1 Dir labels are on pairs that are not DE positives"),
    "direction column on a DE negative": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1, "up"),
                                              ("TP53", "ACTB", 0, "down")],
                                          columns=("pert", "gene", "label", "direction"))),
        r"a direction is given on label-0 rows"),
    # statistics tables
    "every p-value 0": (
        lambda t, h: dict(path=_stats_csv(t, [1.0, -1.0] * 20, [0.0] * 40)),
        r"every pvalue is 0.*unrounded"),
    "every adjusted p-value 0": (
        lambda t, h: dict(path=_stats_csv(t, [1.0, -1.0] * 20, [0.0] * 40, column="padj")),
        r"every padj is 0"),
    "linear fold changes": (
        lambda t, h: dict(path=_stats_csv(t, list(np.linspace(0.3, 4, 40)),
                                          list(np.linspace(0, 1, 40)))),
        r"no log2fc is below 0.*linear fold changes.*numpy\.log2"),
    "integer perturbation codes in statistics": (
        lambda t, h: dict(path=_stats_csv(t, [1.0, -1.0] * 20, list(np.linspace(0, 1, 40)),
                                          perts=["3"] * 20 + ["4"] * 20)),
        r"2 pert names are whole numbers"),
    # cells
    "duplicate var_names": (
        lambda t, h: dict(path=_h5ad(t, CONTROL + ["TP53"] * 12, ["MYC", "MYC", "ACTB"])),
        r"1 var_names occur more than once \(e\.g\. MYC\)"),
    "two var_names of one gene": (
        lambda t, h: dict(path=_h5ad(t, CONTROL + ["AAMP"] * 12,
                                     ["TP53", TP53_ENSEMBL, "ACTB"])),
        r"var_names \['TP53', 'ENSG00000141510'\] are one gene \(TP53\)"),
    "a perturbation whose cells are all empty": (
        lambda t, h: dict(path=_h5ad(t, CONTROL + ["TP53"] * 12 + ["AAMP"] * 12,
                                     ["MYC", "ACTB", "GAPDH"], empty=range(20, 32))),
        r"12 cells have no counts at all \(e\.g\. TP53: 12 of 12\).*filter_cells"),
    "some empty control cells": (
        lambda t, h: dict(path=_h5ad(t, CONTROL + ["TP53"] * 12, ["MYC", "ACTB"],
                                     empty=[0, 1])),
        r"2 cells have no counts at all \(e\.g\. non-targeting: 2 of 20\)"),
    "integer perturbation codes in cells": (
        lambda t, h: dict(path=_h5ad(t, CONTROL + ["0"] * 12 + ["1"] * 12, ["MYC", "ACTB"])),
        r"2 pert names are whole numbers"),
    "unknown target column": (
        lambda t, h: dict(path=h, target_column="guide_target"),
        r"unknown obs column 'guide_target' \(--target-column\)"),
    "target column with a table": (
        lambda t, h: dict(path=_pairs_csv(t, [("TP53", "MYC", 1)]), target_column="target"),
        r"--target-column goes with --format h5ad"),
    "data folder is a file": (
        lambda t, h: dict(path=h, data_dir=_a_file(t)),
        r"not_a_folder is a file, not a folder; make it writable, or point PQSTATS_DATA"),
    "data folder name too long for the file system": (
        lambda t, h: dict(path=h, data_dir=t / ("d" * 300)),
        r"has 300 bytes, more than this file system's 255"),
}


def _a_file(tmp_path):
    path = tmp_path / "not_a_folder"
    path.write_text("x")
    return path


@pytest.mark.parametrize("case", list(BAD_32))
def test_bad_input_of_issue_32_is_a_clear_error_and_leaves_nothing(case, sim_h5ad, tmp_path):
    make, match = BAD_32[case]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    kwargs = {"name": "bad_screen", "cell_line": "SIM", "data_dir": tmp_path,
              **make(inputs, sim_h5ad)}
    with pytest.raises(ScreenImportError, match=match):
        import_screen(kwargs.pop("name"), kwargs.pop("path"), **kwargs)
    assert screens_entries(tmp_path) == []


# ------------------------------------------------------------------ issue 32: names
def test_spellings_of_one_gene_are_one_gene_before_the_split(tmp_path):
    """" tp53", "TP53" and its Ensembl id are one perturbation: written TP53, one side of
    the seeded split, counted as merged; predict resolves "tp53" to the same name."""
    from pqstats.knowledge.graph import default_graph
    from pqstats.predict import resolve_perturbations

    genes = ["MYC", "ACTB", "GAPDH", "EEF2", "RPL3", "NPM1"]
    spellings = [" tp53", "TP53", TP53_ENSEMBL]
    rows = [(spellings[j % 3], g, int(j == 0)) for j, g in enumerate(genes)]
    others = ["AAMP", "MED12", "BRCA1", "KRAS", "EGFR", "PTEN", "ATM", "CDK2", "CHEK1"]
    rows += [(p, g, int(k == i % 6)) for i, p in enumerate(others) for k, g in enumerate(genes)]
    path = _pairs_csv(tmp_path, rows)
    for seed in range(6):  # whichever side TP53 falls on, all its rows fall there
        res = import_screen(f"spelled_{seed}", path, cell_line="SIM", data_dir=tmp_path,
                            split_seed=seed, test_fraction=0.3, study="spelled")
        de = read_table(res.path / "de.csv")
        tp53 = de[de["pert"] == "TP53"]
        assert len(tp53) == 6 and tp53["split"].nunique() == 1
        assert not (set(spellings) - {"TP53"}) & set(de["pert"])
        assert res.counts["merged_pert_spellings"] == 2
        assert res.counts["merged_pert_examples"] == {"TP53": sorted(spellings)}
    assert resolve_perturbations(default_graph(), ["tp53"], de["pert"].unique()) == ["TP53"]


def test_unknown_names_are_kept_and_reported_with_suggestions(tmp_path):
    rows = [("TP53", "GAPDHH", 1), ("TP53", "ACTB", 0), ("AAMP", "MYC", 0), ("AAMP", "ACTB", 1)]
    res = import_screen("typos", _pairs_csv(tmp_path, rows), cell_line="SIM",
                        data_dir=tmp_path, test_fraction=0)
    c = res.counts
    assert c["unknown_gene_examples"] == ["GAPDHH"]
    assert c["gene_suggestions"]["GAPDHH"][0] == "GAPDH"
    assert "GAPDHH" in set(read_table(res.path / "de.csv")["gene"])


def test_guides_are_split_by_target(tmp_path):
    targets = ["TP53", "AAMP", "MED12", "BRCA1", "KRAS", "EGFR", "PTEN", "ATM", "CDK2", "MYC"]
    rows = [(f"{t.lower()}_g{k}", g, int(j == k), t)
            for t in targets for k in range(3) for j, g in enumerate(["ACTB", "GAPDH", "NPM1"])]
    path = _pairs_csv(tmp_path, rows, columns=("pert", "gene", "label", "target"))
    sides = set()
    for seed in range(4):
        res = import_screen(f"guides_{seed}", path, cell_line="SIM", data_dir=tmp_path,
                            split_seed=seed, test_fraction=0.3, study="guides")
        de = read_table(res.path / "de.csv")
        target = de["pert"].str.split("_g").str[0].str.upper()
        assert (de.groupby(target)["split"].nunique() == 1).all()
        assert res.manifest["options"]["split_by"] == "target" and res.counts["targets"] == 10
        sides.add(tuple(de.groupby(target)["split"].first()))
    assert len(sides) > 1  # the seed moves whole targets


def test_ncbi_ids_are_read_when_declared(tmp_path):
    rows = [("7157", "4609", 1), ("7157", "60", 0), ("TP53", "GAPDH", 0)]
    path = _pairs_csv(tmp_path, rows[:2] + [("AAMP", "GAPDH", 0)])
    res = import_screen("ids", path, cell_line="SIM", data_dir=tmp_path, test_fraction=0,
                        ncbi_ids=True)
    de = read_table(res.path / "de.csv")
    assert de["pert"].tolist()[:2] == ["TP53", "TP53"] and de["gene"].tolist()[:2] == [
        "MYC", "ACTB"]
    assert res.manifest["options"]["ncbi_ids"] is True


def test_three_spellings_of_one_perturbation_pool_their_cells(tmp_path):
    labels = CONTROL * 2 + ["TP53"] * 10 + ["tp53"] * 10 + [TP53_ENSEMBL] * 10 + ["AAMP"] * 30
    genes = ["MYC", "ACTB", "GAPDH", "NPM1", "EEF2", "RPL3", "RPS6", "HSPA8"]
    path = _h5ad(tmp_path, labels, genes, boost=({"TP53", "tp53", TP53_ENSEMBL}, 0))
    res = import_screen("pooled", path, cell_line="SIM", data_dir=tmp_path, test_fraction=0,
                        min_expected_count=1)
    de = read_table(res.path / "de.csv")
    assert sorted(de["pert"].unique()) == ["AAMP", "TP53"]
    assert de.query("pert == 'TP53' and gene == 'MYC'")["label"].tolist() == [1]
    assert res.counts["merged_pert_spellings"] == 2 and res.counts["min_cells_seen"] == 30


# ------------------------------------------------------------------ issue 32: studies
KNOCKDOWNS = ["TP53", "AAMP", "MED12", "BRCA1", "KRAS", "EGFR", "PTEN", "ATM", "CDK2", "MYC",
              "SMAD4", "RB1", "NF1", "APC", "VHL", "WT1", "CDH1", "STK11", "NOTCH1", "FBXW7",
              "ARID1A", "KMT2D", "CREBBP", "EP300", "SETD2", "BAP1", "PBRM1", "KDM6A", "ASXL1",
              "TET2"]


def _small_screen(tmp_path, name="small.csv", shift=0):
    """Ten knockdowns x six readouts; another ``shift`` screens other knockdowns."""
    perts = KNOCKDOWNS[10 * shift:10 * shift + 10]
    genes = ["ACTB", "GAPDH", "NPM1", "EEF2", "RPL3", "RPS6"]
    rows = [(p, g, int((i + k + shift) % 3 == 0)) for i, p in enumerate(perts)
            for k, g in enumerate(genes)]
    return _pairs_csv(tmp_path, rows, name=name)


def test_the_same_data_twice_must_be_declared_one_study(tmp_path, monkeypatch):
    from pqstats.features.transfer import transfer_sources

    monkeypatch.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path / "data")))
    path = _small_screen(tmp_path)
    first = import_screen("lab_a", path, cell_line="HEK293T")
    # the same file under another name and another split seed: refused, naming the fix
    with pytest.raises(ScreenImportError, match=r"holds the data of screen 'lab_a' \(the same "
                       r"input file .*--study lab_a"):
        import_screen("lab_b", path, cell_line="HEK293T", split_seed=3)
    # the same pairs in another file (reordered, parquet): refused by the pairs
    other = tmp_path / "again.parquet"
    pd.read_csv(path).sample(frac=1, random_state=1).to_parquet(other)
    with pytest.raises(ScreenImportError, match=r"'lab_a' \(100% of its DE pairs\)"):
        import_screen("lab_b", other, cell_line="HEK293T", study="lab_b_study")
    # declared the same study: accepted, recorded, and kept apart on the tracks
    twin = import_screen("lab_b", other, cell_line="HEK293T", study=first.manifest["study"],
                         split_seed=3)
    assert twin.manifest["same_study_as"] == ["lab_a"]
    assert "lab_a" not in transfer_sources("lab_b") and "lab_b" not in transfer_sources("lab_a")
    # another study's screen feeds imported screens only when declared a source
    import_screen("lab_c", _small_screen(tmp_path, "c.csv", shift=1), cell_line="HeLa")
    import_screen("lab_d", _small_screen(tmp_path, "d.csv", shift=2), cell_line="HeLa",
                  source=True, study="lab_d")
    assert transfer_sources("lab_a") == ["k562", "rpe1", "hepg2", "jurkat", "lab_d"]
    assert "lab_d" not in transfer_sources("k562")  # built-ins draw on built-ins only
    assert get_screen("lab_d").manifest["source"] is True
    assert get_screen("lab_c").manifest["source"] is False
    # and what a prediction reports names every screen that fed it
    from types import SimpleNamespace

    from pqstats.features.transfer import TransferFeatures
    from pqstats.predict import source_screens

    transfer = TransferFeatures("lab_a", "de").fit()
    assert transfer.sources_[-1] == "lab_d"
    fitted = SimpleNamespace(featurizer_=SimpleNamespace(transfer_=transfer))
    assert source_screens(fitted) == transfer.sources_


def test_a_broken_screen_never_breaks_a_run_that_does_not_use_it(tmp_path, monkeypatch):
    from pqstats.features.transfer import TransferFeatures, transfer_sources
    from pqstats.screens import broken_screens, list_screens

    monkeypatch.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path / "data")))
    import_screen("lab_a", _small_screen(tmp_path), cell_line="HEK293T")
    bad = import_screen("lab_bad", _small_screen(tmp_path, "bad.csv", shift=1),
                        cell_line="HeLa")
    (bad.path / "manifest.json").write_text("{not json")
    worse = import_screen("lab_worse", _small_screen(tmp_path, "worse.csv", shift=2),
                          cell_line="HeLa")
    (worse.path / "de.csv").write_text("pert,gene\n")
    assert "lab_bad" in broken_screens() and "lab_bad" not in [s.name for s in list_screens()]
    assert transfer_sources("lab_a") == ["k562", "rpe1", "hepg2", "jurkat"]
    assert TransferFeatures("lab_a", "de").fit().sources_  # neither broken screen is read
    with pytest.raises(DatasetError, match=r"lab_bad.*manifest"):
        get_screen("lab_bad")
    with pytest.raises(DatasetError, match=r"'lab_worse': .*de\.csv no longer matches"):
        load_de("lab_worse")


def test_a_table_changed_after_import_is_refused_at_load(tmp_path, monkeypatch):
    monkeypatch.setenv("PQSTATS_DATA", str(linked_data_dir(tmp_path / "data")))
    res = import_screen("lab_a", _small_screen(tmp_path), cell_line="HEK293T")
    de = load_de("lab_a")
    assert res.manifest["checksums"]["de.csv"] == table_sha256("lab_a", "de")
    path = res.path / "de.csv"
    for edit in (lambda t: t.iloc[:-10], lambda t: t.assign(label=1 - t["label"]),
                 lambda t: t.assign(split="train")):
        edit(de).to_csv(path, index=False)
        with pytest.raises(DatasetError, match=r"no longer matches the checksum its import "
                                               r"recorded.*--overwrite"):
            load_de("lab_a")
    de.to_csv(path, index=False)  # the bytes back: accepted again
    pd.testing.assert_frame_equal(load_de("lab_a"), de)
