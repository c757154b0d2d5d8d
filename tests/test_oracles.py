"""Oracle headroom rows: labelled, apart from the models, never cached, own label left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pqstats import models, oracles
from pqstats.evaluation import evaluate
from pqstats.screens import load_pairs


@pytest.fixture
def structured_pairs(toy_pairs):
    """Toy pairs whose labels follow a per-perturbation strength (so the oracles have signal)."""
    rng = np.random.default_rng(3)
    strength = dict(zip(toy_pairs.pert.unique(), rng.uniform(0.1, 0.9, 30), strict=True))
    p = toy_pairs.pert.map(strength).to_numpy()
    return toy_pairs.assign(label=(rng.random(len(toy_pairs)) < p).astype(int))


def test_oracles_are_not_models():
    assert not set(oracles.ORACLES) & set(models.available())
    for name in oracles.ORACLES:
        with pytest.raises(KeyError, match="unknown model"):
            models.get(name)


@pytest.mark.parametrize("name", list(oracles.ORACLES))
def test_poisoning_the_pairs_own_label_leaves_its_score(structured_pairs, name):
    pairs = structured_pairs.reset_index(drop=True)
    test_idx = np.flatnonzero(pairs.split == "test")
    base = oracles.oracle_scores(name, pairs)
    for k in (0, 7, len(test_idx) - 1):
        poisoned = pairs.copy()
        row = test_idx[k]
        poisoned.loc[row, "label"] = 1 - poisoned.loc[row, "label"]
        after = oracles.oracle_scores(name, poisoned)
        assert after[k] == pytest.approx(base[k], abs=1e-12)
        others = np.delete(np.arange(len(test_idx)), k)
        same_pert = pairs.pert.iloc[test_idx[others]].to_numpy() == pairs.pert.iloc[row]
        # its label does reach other pairs of the same knockdown (that is the oracle)
        assert not np.allclose(after[others][same_pert], base[others][same_pert])


def test_strength_oracle_is_the_leave_one_out_rate(structured_pairs):
    test = structured_pairs[structured_pairs.split == "test"].reset_index(drop=True)
    s = oracles.oracle_scores("pert_strength", structured_pairs)
    for i in (0, 5, 40):
        same = test[(test.pert == test.pert[i]) & (test.index != i)]
        assert s[i] == pytest.approx(same.label.mean(), abs=1e-12)


def test_unknown_oracle_and_bad_table():
    with pytest.raises(ValueError, match="unknown oracle 'best'"):
        oracles.oracle_scores("best", pd.DataFrame())
    with pytest.raises(ValueError, match=r"missing \['split'\]"):
        oracles.oracle_scores("co_response", pd.DataFrame(columns=["pert", "gene", "label"]))


def test_headroom_share():
    results = pd.DataFrame({"dataset": ["d", "d"], "task": ["de", "de"],
                            "track": ["strict", "strict"], "model": ["a", "b"],
                            "auroc": [0.6, 0.7], "note": ["", ""]})
    orc = pd.DataFrame({"dataset": ["d", "d"], "task": ["de", "de"],
                        "oracle": ["co_response", "pert_strength"], "auroc": [0.75, 0.55]})
    room = oracles.headroom(results, orc)
    assert room["best_model"].iloc[0] == "b" and room["best_oracle"].iloc[0] == "co_response"
    assert room["share"].iloc[0] == pytest.approx(0.2 / 0.25)


@pytest.mark.integration
def test_oracle_rows_on_real_files_are_labelled_and_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))
    table = oracles.run_oracles(["k562"], ["dir"], n_boot=50)
    assert set(table["oracle"]) == set(oracles.ORACLES)
    assert "model" not in table.columns
    assert not (tmp_path / "data" / "cache" / "benchmark").exists()
    pairs = load_pairs("k562", "dir")
    m = evaluate(pairs[pairs.split == "test"], oracles.oracle_scores("co_response", pairs),
                 n_boot=0)
    assert m["auroc"] == pytest.approx(
        table.set_index("oracle").loc["co_response", "auroc"], abs=1e-12)
    assert m["auroc"] > 0.75  # the knockdown's other outcomes say much about direction


@pytest.mark.integration
def test_benchmark_writes_oracles_apart_from_the_models(tmp_path, monkeypatch):
    from pqstats.cli import main

    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))
    out = tmp_path / "results"
    assert main(["benchmark", "--datasets", "k562", "--tasks", "dir", "--models",
                 "prior,knn_retrieval", "--no-figures", "--n-boot", "20",
                 "--out", str(out)]) == 0
    bench = pd.read_csv(out / "benchmark.csv")
    assert not set(bench["model"]) & set(oracles.ORACLES)
    orc = pd.read_csv(out / "oracles.csv")
    assert set(orc["oracle"]) == set(oracles.ORACLES)
    text = (out / "benchmark.md").read_text()
    assert "## Oracle headroom (not models)" in text and "*oracle* `co_response`" in text
    cached = list((tmp_path / "data" / "cache" / "benchmark").glob("*.npz"))
    assert len(cached) == 2  # prior and knn_retrieval: the oracles are never cached
