"""Seeds: a learned model's cell is the mean over seeds with its spread; deterministic
models run once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pqstats import benchmark as bm
from pqstats import fit_cache
from pqstats.evaluation import auroc_by_group, bootstrap_ci


def test_seeded_and_deterministic_models():
    assert fit_cache.model_seeds("xgboost", 5) == [0, 1, 2, 3, 4]
    assert fit_cache.model_seeds("random", 3) == [0, 1, 2]
    for name in ("prior", "gene_frequency", "knn_retrieval", "logistic"):
        assert fit_cache.model_seeds(name, 5) == [0]
    with pytest.raises(ValueError, match="seeds"):
        fit_cache.model_seeds("xgboost", 0)


@pytest.mark.integration
def test_cells_are_seed_means_with_their_sd(counted_fits):
    res = bm.run_benchmark(datasets=["k562"], tasks=["dir"],
                           models=["prior", "random", "knn_retrieval"], n_boot=100,
                           progress=False, seeds=4)
    assert "auroc_sd" in res.columns and list(res.columns) == bm.RESULT_COLUMNS
    by = res.set_index("model")
    assert counted_fits.count("prior") == 1 and counted_fits.count("knn_retrieval") == 1
    assert counted_fits.count("random") == 4
    for name in ("prior", "knn_retrieval"):
        assert by.loc[name, "auroc_sd"] == 0.0 and by.loc[name, "n_seeds"] == 1
    # the random model's cell by hand: mean and sd over its 4 seeds
    pairs = bm.load_pairs("k562", "dir")
    test = pairs[pairs.split == "test"]
    per_gene = [auroc_by_group(test, fit_cache.fit_predict("random", "k562", "dir", "strict", pairs,
                                                    {"random_state": s})[0])
                for s in range(4)]
    means = [g.mean() for g in per_gene]
    assert by.loc["random", "auroc"] == pytest.approx(np.mean(means), abs=1e-12)
    assert by.loc["random", "auroc_sd"] == pytest.approx(np.std(means, ddof=1), abs=1e-12)
    assert by.loc["random", "auroc_sd"] > 0 and by.loc["random", "n_seeds"] == 4
    low, high = bootstrap_ci(pd.concat(per_gene, axis=1).mean(axis=1).to_numpy(), n_boot=100)
    assert (by.loc["random", "ci_low"], by.loc["random", "ci_high"]) == pytest.approx(
        (low, high), abs=1e-12)
    # a warm rerun with the same seeds refits nothing
    before = len(counted_fits)
    bm.run_benchmark(datasets=["k562"], tasks=["dir"], models=["random"], n_boot=10,
                     progress=False, seeds=4)
    assert len(counted_fits) == before


@pytest.mark.integration
def test_cli_seeds_option(tmp_path, monkeypatch, capsys):
    from pqstats.cli import main

    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))
    assert main(["benchmark", "--datasets", "k562", "--tasks", "dir", "--models", "random",
                 "--seeds", "2", "--no-figures", "--no-oracles", "--n-boot", "10",
                 "--out", str(tmp_path / "r")]) == 0
    table = pd.read_csv(tmp_path / "r" / "benchmark.csv")
    assert table["n_seeds"].tolist() == [2] and table["auroc_sd"].iloc[0] > 0
    assert not (tmp_path / "r" / "oracles.csv").exists()
    assert main(["benchmark", "--seeds", "0"]) == 2
