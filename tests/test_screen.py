"""predict / explain / prioritise: agreement with the benchmark, honesty, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pqstats import cli
from pqstats.explain import explain, knowledge_paths, similar_training_knockdowns
from pqstats.features.pairs import load_graph
from pqstats.features.profiles import canonical_symbols
from pqstats.fit_cache import fit_predict
from pqstats.predict import (
    UnknownGeneError,
    feature_contributions,
    predict_knockdown,
    readout_genes,
    responder_themes,
    screen_model,
)
from pqstats.prioritise import prioritise, rank_candidates, simulate_screen
from pqstats.screens import DatasetError, load_pairs


def _test_pert(dataset: str, task: str = "de") -> tuple[str, pd.DataFrame]:
    pairs = load_pairs(dataset, task)
    test = pairs[pairs["split"] == "test"]
    pert = sorted(test["pert"].unique())[0]
    return pert, test[test["pert"] == pert]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- predict ---------------------------------------------------------------------------
def test_predictions_for_a_test_pert_equal_the_benchmark_scores():
    pert, rows = _test_pert("rpe1")
    table = predict_knockdown("rpe1", pert, genes=rows["gene"], model="knn_retrieval")
    pairs = load_pairs("rpe1", "de")
    expected = pd.Series(fit_predict("knn_retrieval", "rpe1", "de", "strict", pairs)[0],
                         index=pairs.index[pairs["split"] == "test"])[rows.index]
    got = table.set_index("gene").loc[rows["gene"], "p_de"].to_numpy()
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=0, atol=1e-6)
    assert not table["in_training"].any() and not table.attrs["pert_screened"]
    assert table["p_de"].is_monotonic_decreasing


def test_screen_model_equals_the_benchmark_fit_for_xgboost():
    pairs = load_pairs("k562_set", "dir")
    test = pairs.loc[pairs["split"] == "test", ["pert", "gene"]]
    expected, _ = fit_predict("xgboost", "k562_set", "dir", "strict", pairs)
    got = screen_model("k562_set", "dir", "xgboost").score_pairs(test)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_a_gene_no_screen_perturbed_is_predicted_from_the_graph():
    kg = load_graph()
    screened = set()
    for name in ("k562", "rpe1", "hepg2", "k562_set"):
        screened |= set(load_pairs(name, "de")["pert"])
    readouts = readout_genes("rpe1")[:200]
    new = next(g for g in ("TP53", "MYC", "GATA1", "BRCA1", "EGFR")
               if g in kg and g not in screened)
    table = predict_knockdown("rpe1", new, genes=readouts, model="knn_retrieval")
    assert len(table) == len(readouts) and set(table["gene"]) == set(readouts)
    assert np.isfinite(table[["p_de", "p_up"]]).all().all()
    assert table["p_de"].between(0, 1).all() and table["p_de"].nunique() > 10
    assert table["evidence"].str.len().gt(0).all()


def test_unknown_genes_and_cell_lines_get_clear_errors():
    with pytest.raises(UnknownGeneError, match="NOTAGENE1.*not a gene of the knowledge"):
        predict_knockdown("rpe1", "NOTAGENE1", model="knn_retrieval")
    with pytest.raises(DatasetError, match="programmes"):
        predict_knockdown("k562_set", "MED12")
    with pytest.raises(DatasetError, match="unknown screen 'hela'"):
        predict_knockdown("hela", "MED12")
    with pytest.raises(ValueError, match="no genes to score"):
        predict_knockdown("rpe1", "MED12", genes=[], model="knn_retrieval")
    with pytest.raises(DatasetError, match="unknown screen 'hela'"):
        explain("hela", "MED12", "MYC")


def test_responder_themes_match_ora_on_the_top_genes():
    from pqstats.enrichment import ora

    pert, _ = _test_pert("rpe1")
    table = predict_knockdown("rpe1", pert, model="knn_retrieval")
    themes = responder_themes(table, top=40, by="lift", libraries=("hallmark",))
    top = table.sort_values(["lift", "gene"], ascending=[False, True])["gene"].head(40)
    ref = ora(top.tolist(), "hallmark", background=table["gene"].tolist(), min_size=5,
              max_size=500, min_overlap=2)
    ref = ref[ref["Adjusted P-value"] < 0.05]
    assert set(themes["Term"]) == set(ref["Term"])
    with pytest.raises(ValueError, match="by must be"):
        responder_themes(table, by="score")


# --- explain ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["xgboost", "logistic", "knn_retrieval"])
def test_contributions_add_up_to_the_score(model):
    pert, rows = _test_pert("k562_set")
    fitted = screen_model("k562_set", "de", model)
    pairs = rows[["pert", "gene"]].head(10)
    values, contrib, bias, scale = feature_contributions(fitted, pairs)
    total = contrib.sum(axis=1).to_numpy() + bias
    score = fitted.score_pairs(pairs)
    if scale == "log-odds":
        np.testing.assert_allclose(_sigmoid(total), score, atol=1e-4)
    else:
        np.testing.assert_allclose(np.clip(total, 0, 1), score, atol=1e-6)
    assert list(values.columns) == list(contrib.columns)


def test_knn_contributions_add_up_for_a_pert_named_by_an_outdated_symbol():
    pairs = load_pairs("rpe1", "de")
    rows = pairs[(pairs["split"] == "test") & (pairs["pert"] == "CARS")].head(10)
    assert canonical_symbols(load_graph(), ["CARS"])[0] == "CARS1"  # the case under test
    fitted = screen_model("rpe1", "de", "knn_retrieval")
    _, contrib, bias, _ = feature_contributions(fitted, rows[["pert", "gene"]])
    np.testing.assert_allclose(np.clip(contrib.sum(axis=1).to_numpy() + bias, 0, 1),
                               fitted.score_pairs(rows[["pert", "gene"]]), atol=1e-6)


def test_explanation_neighbours_are_training_perturbations_only():
    pairs = load_pairs("k562_set", "de")
    # the model names perturbations by the graph's current symbols
    pairs["pert"] = canonical_symbols(load_graph(), pairs["pert"].to_numpy())
    train_perts = set(pairs.loc[pairs["split"] == "train", "pert"])
    test_perts = set(pairs.loc[pairs["split"] == "test", "pert"])
    pert, rows = _test_pert("k562_set")
    result = explain("k562_set", pert, rows["gene"].iloc[0], model="xgboost",
                     n_neighbours=50)
    assert len(result.neighbours) > 0
    assert set(result.neighbours["training_pert"]) <= train_perts
    assert not set(result.neighbours["training_pert"]) & test_perts
    # outcomes are the training labels themselves
    train = pairs[pairs["split"] == "train"].set_index(["pert", "gene"])["label"]
    measured = result.neighbours.dropna(subset=["outcome"])
    assert len(measured) > 0
    for r in measured.itertuples():
        assert train[(r.training_pert, result.gene)] == r.outcome
    # contributions are sorted by size and JSON serialisable
    c = result.contributions["contribution"].abs().to_numpy()
    assert (np.diff(c) <= 1e-12).all()
    json.dumps(result.to_dict())
    text = str(result)
    assert pert in text and "Largest contributions" in text


def test_similar_knockdowns_rank_measured_first_then_by_similarity():
    fitted = screen_model("rpe1", "de", "knn_retrieval")
    pert, rows = _test_pert("rpe1")
    table = similar_training_knockdowns(fitted, pert, rows["gene"].iloc[0], n=20)
    for _, grp in table.groupby("space"):
        measured = grp["outcome"].notna().to_numpy()
        assert not (np.diff(measured.astype(int)) > 0).any()  # measured block first
        for block in (grp[measured], grp[~measured]):
            assert block["similarity"].is_monotonic_decreasing


def test_knowledge_paths_are_shortest_first_and_typed():
    kg = load_graph()
    edges = kg.edge_table("ppi:bioplex")
    a, b = edges["source"].iloc[0], edges["target"].iloc[0]
    paths = knowledge_paths(kg, a, b, max_paths=20)
    assert paths["length"].iloc[0] == 1 and "BioPlex" in paths["path"].iloc[0]
    assert paths["length"].is_monotonic_increasing
    for length, grp in paths.groupby("length"):
        assert grp["specificity"].is_monotonic_decreasing
        assert all(len(t) == length for t in grp["edge_types"])
    assert knowledge_paths(kg, a, "NOTAGENE1").empty


# --- prioritise ------------------------------------------------------------------------
def test_rank_candidates_follows_each_strategy_and_is_seeded():
    kg = load_graph()
    effect = pd.Series({"MED13": 0.2, "CDK8": 0.1, "TP53": 0.3, "GATA1": 0.1})
    by_effect = rank_candidates(effect, ["MED12", "CCNC"], "effect", seed=0, kg=kg)
    assert by_effect["pert"].tolist()[:2] == ["TP53", "MED13"]
    by_novelty = rank_candidates(effect, ["MED12", "CCNC"], "novelty", seed=0, kg=kg)
    assert by_novelty["novelty"].is_monotonic_decreasing
    near = by_novelty.set_index("pert")
    assert near.loc["CDK8", "nearest_screened"] == "CCNC"  # CDK8-CCNC kinase module
    for strategy in ("balanced", "random", "effect"):
        a = rank_candidates(effect, ["MED12"], strategy, seed=3, kg=kg)
        b = rank_candidates(effect, ["MED12"], strategy, seed=3, kg=kg)
        pd.testing.assert_frame_equal(a, b)
    ties = pd.Series(0.1, index=["MED13", "CDK8", "TP53", "GATA1", "MYC", "BRCA1"])
    orders = {tuple(rank_candidates(ties, [], "effect", seed=s, kg=kg)["pert"])
              for s in range(6)}
    assert len(orders) > 1  # ties are broken by the seed, not by input order
    with pytest.raises(ValueError, match="unknown strategy"):
        rank_candidates(effect, [], "greedy", kg=kg)


def test_prioritise_ranks_new_candidates_first_with_reasons():
    pairs = load_pairs("rpe1", "de")
    screened = sorted(pairs.loc[pairs["split"] == "train", "pert"].unique())[:2]
    new = ["TP53", "MYC", "GATA1"]
    out = prioritise("rpe1", new + screened, model="knn_retrieval", seed=1)
    assert set(out["pert"].head(3)) == set(new)
    assert out["already_screened"].tolist() == [False] * 3 + [True] * 2
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert out["reason"].str.contains("predicted to change").all()
    again = prioritise("rpe1", new + screened, model="knn_retrieval", seed=1)
    pd.testing.assert_frame_equal(out, again)
    assert len(prioritise("rpe1", new, budget=2, model="knn_retrieval")) == 2


def test_prioritise_bad_input():
    with pytest.raises(ValueError, match="candidate list is empty"):
        prioritise("rpe1", [], model="knn_retrieval")
    with pytest.raises(UnknownGeneError, match="2 candidate names cannot be used: "
                                               "'NOTAGENE1' .*; 'NOTAGENE2' "):
        prioritise("rpe1", ["TP53", "NOTAGENE1", "NOTAGENE2"], model="knn_retrieval")
    with pytest.raises(ValueError, match="budget"):
        prioritise("rpe1", ["TP53"], budget=0, model="knn_retrieval")
    with pytest.raises(DatasetError, match="unknown screen"):
        prioritise("hela", ["TP53"])


def test_simulated_screen_is_deterministic_and_uses_the_training_split_only():
    kwargs = dict(n_perts=150, n_initial=30, batch=20, n_rounds=3, seed=5)
    a = simulate_screen("rpe1", **kwargs)
    b = simulate_screen("rpe1", **kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["strategy"]) == {"effect", "novelty", "balanced", "random"}
    first = a[a["round"] == 0]
    assert first["strong_found"].nunique() == 1  # same initial screen for every strategy
    for _, grp in a.groupby("strategy"):
        assert grp["strong_found"].is_monotonic_increasing
        assert grp["n_screened"].tolist() == [30, 50, 70, 90]
    # the default replays exactly the training rows: giving them explicitly is the same
    pairs = load_pairs("rpe1", "de")
    train = pairs.loc[pairs["split"] == "train", ["pert", "gene", "label"]]
    c = simulate_screen("rpe1", pairs=train, **kwargs)
    pd.testing.assert_frame_equal(a, c)


def test_simulated_screen_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="cannot hold"):
        simulate_screen("rpe1", n_perts=20, n_initial=15, batch=10)


# --- command line ----------------------------------------------------------------------
def test_cli_predict_explain_prioritise_json(tmp_path, capsys):
    pert, rows = _test_pert("rpe1")
    genes = tmp_path / "genes.txt"
    genes.write_text("\n".join(rows["gene"]))
    out_csv = tmp_path / "pred.csv"
    assert cli.main(["predict", "--cell-line", "rpe1", "--pert", pert, "--genes", str(genes),
                     "--model", "knn_retrieval", "--top", "5", "--json",
                     "--out", str(out_csv)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["pert"] == pert and len(payload["predictions"]) == 5
    assert len(pd.read_csv(out_csv)) == len(rows)
    assert cli.main(["explain", "--cell-line", "rpe1", "--pert", pert, "--gene",
                     rows["gene"].iloc[0], "--model", "knn_retrieval", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["gene"] == rows["gene"].iloc[0] and payload["contributions"]
    cands = tmp_path / "cands.txt"
    cands.write_text("TP53\nMYC\n# a comment\nGATA1\n")
    assert cli.main(["prioritise", "--cell-line", "rpe1", "--candidates", str(cands),
                     "--budget", "2", "--model", "knn_retrieval", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in payload["ranking"]] == [1, 2]


def test_cli_screen_errors_are_one_line_with_hint(tmp_path, capsys):
    assert cli.main(["predict", "--cell-line", "rpe1", "--pert", "NOTAGENE1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("pqstats predict: error: 'NOTAGENE1' is not a gene")
    assert err[1].startswith("hint:") and len(err) == 2
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    assert cli.main(["prioritise", "--cell-line", "rpe1", "--candidates", str(empty)]) == 2
    assert "no gene symbols" in capsys.readouterr().err
