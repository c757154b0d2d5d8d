"""cell-eval DE tables both ways: read (with a stated, changeable rule), write, round trip
against a table scanpy's rank_genes_groups wrote."""

import numpy as np
import pandas as pd
import pytest

from pqstats.screens.de_table import (
    DE_TABLE_COLUMNS,
    DETableRule,
    label_de_table,
    predictions_to_de_table,
    read_de_table,
    write_de_table,
)

UP, DOWN = list(range(0, 5)), list(range(5, 10))


@pytest.fixture(scope="module")
def scanpy_table() -> pd.DataFrame:
    """A synthetic screen (control + 3 knockdowns x 60 genes); knockdown KD1 raises genes
    g0-g4 four-fold and lowers g5-g9 four-fold; scanpy's t-test against the control,
    exported to cell-eval's schema."""
    sc = pytest.importorskip("scanpy")
    import anndata as ad

    rng = np.random.default_rng(0)
    n_genes, n_cells = 60, 120
    groups, blocks = [], []
    for name in ("ctrl", "KD1", "KD2", "KD3"):
        mean = np.full(n_genes, 8.0)
        if name == "KD1":
            mean[UP] *= 4
            mean[DOWN] /= 4
        blocks.append(rng.poisson(mean, size=(n_cells, n_genes)))
        groups += [name] * n_cells
    adata = ad.AnnData(np.vstack(blocks).astype(np.float32),
                       obs=pd.DataFrame({"pert": groups}, index=[f"c{i}" for i in
                                                                 range(len(groups))]),
                       var=pd.DataFrame(index=[f"g{j}" for j in range(n_genes)]))
    sc.pp.log1p(adata)  # equal depth by design: no size factors to shift the null genes
    sc.tl.rank_genes_groups(adata, "pert", reference="ctrl", method="t-test")
    df = sc.get.rank_genes_groups_df(adata, group=None)
    return df.rename(columns={"group": "target", "names": "feature",
                              "logfoldchanges": "log2_fold_change", "pvals": "p_value",
                              "pvals_adj": "fdr"})[list(DE_TABLE_COLUMNS) + ["scores"]]


def test_reads_scanpys_table_and_labels_the_planted_effects(scanpy_table):
    stats = read_de_table(scanpy_table)
    assert list(stats.columns) == ["pert", "gene", "log2fc", "pvalue", "padj"]
    assert len(stats) == 3 * 60
    de, direction = label_de_table(stats)
    kd1 = de[de["pert"] == "KD1"].set_index("gene")["label"]
    planted = {f"g{j}" for j in UP + DOWN}
    assert set(kd1[kd1 == 1].index) == planted
    # the null knockdowns: (almost) nothing at FDR 5%
    assert de.loc[de["pert"] != "KD1", "label"].sum() <= 2
    d = direction[direction["pert"] == "KD1"].set_index("gene")["label"]
    assert d[[f"g{j}" for j in UP]].eq(1).all() and d[[f"g{j}" for j in DOWN]].eq(0).all()


def test_the_rule_is_stated_and_changeable(scanpy_table):
    stats = read_de_table(scanpy_table)
    rule = DETableRule()
    assert rule.describe().startswith("DE (label 1) when fdr < 0.05 and |log2_fold_change| > 0")
    strict = DETableRule(fdr=0.05, min_abs_log2fc=10.0)  # no four-fold change passes
    assert label_de_table(stats, strict)[0]["label"].sum() == 0
    assert "> 10.0" in strict.describe()


def test_round_trip_through_the_written_schema(tmp_path, scanpy_table):
    """Labels -> predictions written in cell-eval's schema -> read back -> same labels."""
    de, direction = label_de_table(read_de_table(scanpy_table))
    up = direction.set_index(["pert", "gene"])["label"]
    pred = de[["pert", "gene"]].copy()
    pred["p_de"] = np.where(de["label"] == 1, 0.99, 0.02)
    key = pd.MultiIndex.from_frame(de[["pert", "gene"]])
    pred["p_up"] = np.where(up.reindex(key).fillna(0.5).to_numpy() == 1, 0.9, 0.1)
    path = write_de_table(pred, tmp_path / "pred_de.csv")
    written = pd.read_csv(path)
    assert list(written.columns[:5]) == list(DE_TABLE_COLUMNS)
    de2, direction2 = label_de_table(read_de_table(path))
    pd.testing.assert_frame_equal(de2, de)
    pd.testing.assert_frame_equal(direction2, direction)
    # cell-eval ranks by -log10(fdr): the order of P(DE)
    w = predictions_to_de_table(pred)
    evidence = -np.log10(w["fdr"].to_numpy())
    assert np.array_equal(np.argsort(-evidence, kind="stable"),
                          np.argsort(-pred["p_de"].to_numpy(), kind="stable"))


def test_import_a_de_table_as_a_screen(tmp_path, scanpy_table):
    from pqstats.screens.imports import import_screen

    path = tmp_path / "de.csv"
    scanpy_table.to_csv(path, index=False)
    result = import_screen("synthetic_de", path, cell_line="HEK293T", format="de-table",
                           data_dir=tmp_path / "data", min_abs_log2fc=0.5)
    assert result.manifest["format"] == "de-table"
    assert result.counts["positives"] == 10
    assert "|log2FC| >= 0.5" in str(result.manifest)


@pytest.mark.parametrize("table, match", [
    (pd.DataFrame({"target": ["A"], "feature": ["g"], "p_value": [0.1], "fdr": [0.1]}),
     r"missing column\(s\) log2_fold_change; a DE table in cell-eval's schema has target"),
    (pd.DataFrame({"target": ["A"], "feature": ["g"], "log2_fold_change": [np.nan],
                   "p_value": [0.1], "fdr": [0.1]}), r"1 log2_fold_change values are not fin"),
    (pd.DataFrame({"target": ["A"], "feature": ["g"], "log2_fold_change": [1.0],
                   "p_value": [0.1], "fdr": [1.5]}), r"fdr must lie in \[0, 1\]"),
    (pd.DataFrame({"target": ["A", "A"], "feature": ["g", "g"], "log2_fold_change": [1.0, 2],
                   "p_value": [0.1, 0.1], "fdr": [0.1, 0.1]}), r"occur more than once"),
])
def test_invalid_de_tables(table, match):
    with pytest.raises(ValueError, match=match):
        read_de_table(table)


@pytest.mark.parametrize("pred, match", [
    (pd.DataFrame({"pert": ["A"], "gene": ["g"], "p_de": [0.5]}), r"need columns pert, gene"),
    (pd.DataFrame({"pert": ["A"], "gene": ["g"], "p_de": [1.5], "p_up": [0.5]}),
     r"p_de must be probabilities"),
])
def test_invalid_predictions(pred, match):
    with pytest.raises(ValueError, match=match):
        predictions_to_de_table(pred)


def test_invalid_rule():
    with pytest.raises(ValueError, match=r"fdr must be strictly between 0 and 1"):
        DETableRule(fdr=0)
