"""predict / explain / prioritise: agreement with the benchmark, honesty, clear errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from pqstats import cli
from pqstats._settings import DATA_ENV
from pqstats.explain import explain, knowledge_paths, similar_training_knockdowns
from pqstats.features.pairs import load_graph
from pqstats.features.profiles import canonical_symbols
from pqstats.fit_cache import fit_predict
from pqstats.knowledge.symbols import (
    AmbiguousGeneError,
    UnmeasuredGeneError,
)
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
from tests._helpers import error_lines, tiny_pairs


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


# ----------------------------------------------------------- invalid input: gene names (real data)
@pytest.fixture(scope="module")
def kg():
    from pqstats.features.pairs import load_graph

    return load_graph()


# --- the same resolver behind predict / explain / prioritise (real data) -----------------
def test_perturbation_and_readout_spellings_resolve_alike(kg):
    from pqstats.predict import (
        readout_genes,
        resolve_perturbations,
        resolve_readout_genes,
        screen_perturbations,
    )

    screened = screen_perturbations("rpe1")
    assert resolve_perturbations(kg, ["MYC", "myc", "MRTL", "ENSG00000136997", " MYC "],
                                 screened) == ["MYC"] * 5
    # a gene no screen perturbed (allowed: scored from the graph) resolves the same way
    assert resolve_perturbations(kg, ["tp53", "P53", "ENSG00000141510"],
                                 screened) == ["TP53"] * 3
    # the screen's outdated symbol is kept: CARS1 is the screen's CARS
    assert "CARS" in screened and "CARS1" not in screened
    assert resolve_perturbations(kg, ["CARS1", "cars1", "CARS"], screened) == ["CARS"] * 3
    assert "GARS" in readout_genes("rpe1")
    assert resolve_readout_genes("rpe1", ["GARS1", "gars1", "GARS", "mrtl"], kg) == [
        "GARS", "GARS", "GARS", "MYC"]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: _predict("NOTAGENE1"), UnknownGeneError,
     r"'NOTAGENE1' is not a gene of the knowledge graph"),
    (lambda: _predict("SAP"), AmbiguousGeneError, r"'SAP' is ambiguous.*\(APCS, SH2D1A\)"),
    (lambda: _predict("MYC", genes=["MYC", "NOTAGENE1", "sap", "GAPDHX"]), UnknownGeneError,
     r"3 readout names cannot be used: 'NOTAGENE1'.*'sap' is ambiguous.*'GAPDHX'.*did you "
     r"mean GAPDH"),
    # a real gene the screen never measured is refused, not scored at the base rate
    (lambda: _predict("MYC", genes=["INS"]), UnmeasuredGeneError,
     r"'INS' is not a readout gene of the rpe1 training split: no training knockdown "
     r"measured it"),
    (lambda: _explain("k562", "MYC", "TP53"), UnmeasuredGeneError,
     r"not a readout gene of the k562 training split"),
    (lambda: _explain("k562", "MYC", "MRTLX"), UnknownGeneError,
     r"'MRTLX' is not a readout gene of the k562 training split \(no NCBI symbol"),
    (lambda: _explain("k562", "NOTAGENE1", "MYC"), UnknownGeneError, r"knowledge graph"),
    (lambda: _explain("k562_set", "MYC", "MYC"), UnmeasuredGeneError,
     r"not a readout gene programme of the k562_set training split"),
    (lambda: _prioritise(["TP53", "NOTAGENE1", "notagene2", "SAP"]), UnknownGeneError,
     r"3 candidate names cannot be used: 'NOTAGENE1'.*'notagene2'.*'SAP' is ambiguous"),
    (lambda: _prioritise(["TP53"], genes=["INS", "MYC"]), UnmeasuredGeneError,
     r"'INS' is not a readout gene of the rpe1"),
])
def test_screen_functions_refuse_bad_gene_names(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _predict(pert, genes=None):
    from pqstats.predict import predict_knockdown

    return predict_knockdown("rpe1", pert, genes=genes, model="knn_retrieval")


def _explain(dataset, pert, gene):
    from pqstats.explain import explain

    return explain(dataset, pert, gene, model="knn_retrieval")


def _prioritise(candidates, **kwargs):
    from pqstats.prioritise import prioritise

    return prioritise("rpe1", candidates, model="knn_retrieval", **kwargs)


def _k562_test_pert() -> str:
    from pqstats.screens import load_pairs

    pairs = load_pairs("k562", "de")
    return sorted(pairs.loc[pairs["split"] == "test", "pert"].unique())[0]


@pytest.mark.parametrize("alias", ["MRTL", "myc", " MYC ", "ENSG00000136997", "c-Myc"])
def test_explain_scores_an_alias_exactly_as_its_symbol(alias):
    # issue 14: MRTL was looked up literally and scored 0.13 where MYC scored 0.82
    pert = _k562_test_pert()
    ref = _explain("k562", pert, "MYC")
    got = _explain("k562", pert, alias)
    assert got.gene == "MYC" and got.score == ref.score
    assert np.isfinite(got.base_rate) and got.base_rate == ref.base_rate
    pd.testing.assert_frame_equal(got.contributions, ref.contributions)


def test_predict_and_prioritise_resolve_aliases_to_identical_results():
    from pqstats.predict import readout_genes

    genes = readout_genes("rpe1")[:50]
    ref = _predict("TP53", genes=genes)
    for name in ("tp53", "P53", "ENSG00000141510"):
        pd.testing.assert_frame_equal(_predict(name, genes=genes), ref)
    aliased = _predict("TP53", genes=[g.lower() for g in genes])
    pd.testing.assert_frame_equal(aliased, ref)
    ranked = _prioritise(["myc", "ENSG00000141510", "gata1", "MRTL"])
    assert sorted(ranked["pert"]) == ["GATA1", "MYC", "TP53"]  # MRTL is MYC again
    ref = _prioritise(["MYC", "TP53", "GATA1"])
    pd.testing.assert_frame_equal(ranked.sort_values("pert").reset_index(drop=True),
                                  ref.sort_values("pert").reset_index(drop=True))


def test_gene_text_strict_resolves_like_everything_else(kg):
    assert kg.gene_text("myc", strict=True) == kg.gene_text("MYC")
    assert kg.gene_text("MRTL", strict=True) == kg.gene_text("MYC")
    with pytest.raises(AmbiguousGeneError, match="TAFAZZIN, WWTR1"):
        kg.gene_text("TAZ", strict=True)
    with pytest.raises(UnknownGeneError, match="did you mean MYC"):
        kg.gene_text("MYCX", strict=True)


# --- the same on the command line ---------------------------------------------------------
def test_cli_kg_text_and_summer_prompt_resolve_aliases(capsys):
    assert cli.main(["kg", "text", "MYC", "TP53"]) == 0
    ref = capsys.readouterr().out
    assert cli.main(["kg", "text", "mrtl", "ENSG00000141510"]) == 0
    assert capsys.readouterr().out == ref
    assert cli.main(["summer", "prompt", "MYC", "MYC", "--dataset", "rpe1"]) == 0
    ref = capsys.readouterr().out
    assert cli.main(["summer", "prompt", "mrtl", " c-Myc ", "--dataset", "rpe1"]) == 0
    assert capsys.readouterr().out == ref


def test_cli_explain_alias_equals_symbol(capsys):
    pert = _k562_test_pert()
    base = ["explain", "--cell-line", "k562", "--pert", pert, "--model", "knn_retrieval",
            "--json", "--gene"]
    assert cli.main([*base, "MYC"]) == 0
    ref = json.loads(capsys.readouterr().out)
    assert cli.main([*base, "MRTL"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["gene"] == "MYC" and got["score"] == ref["score"]


@pytest.mark.parametrize(("argv", "message"), [
    (["kg", "text", "MYC", "NOTAGENE1", "TAZ"],
     r"pqstats kg text: error: 2 gene names cannot be used: 'NOTAGENE1'.*'TAZ' is ambiguous"),
    (["predict", "--cell-line", "rpe1", "--pert", "NOTAGENE1", "--model", "knn_retrieval"],
     r"pqstats predict: error: 'NOTAGENE1' is not a gene of the knowledge graph"),
    (["predict", "--cell-line", "rpe1", "--pert", "sap", "--model", "knn_retrieval"],
     r"pqstats predict: error: 'sap' is ambiguous: it names 2 genes \(APCS, SH2D1A\)"),
    (["explain", "--cell-line", "k562", "--pert", "MYC", "--gene", "TP53", "--model",
      "knn_retrieval"], r"pqstats explain: error: 'TP53' is not a readout gene of the k562"),
    (["summer", "prompt", "MYC", "NOTAGENE1"],
     r"pqstats summer prompt: error: 'NOTAGENE1' is not a readout gene of the k562 "),
    (["summer", "prompt", "NOTAGENE1", "MYC"],
     r"pqstats summer prompt: error: 'NOTAGENE1' is not a gene of the knowledge graph"),
])
def test_cli_refuses_bad_gene_names_in_one_line(capsys, argv, message):
    assert cli.main(argv) == 2
    err = error_lines(capsys)
    if err[0].startswith("loading the knowledge graph"):  # kg's progress note
        err = err[1:]
    assert len(err) == 2 and err[1].startswith("hint:")
    assert re.match(message, err[0]), err[0]


def test_cli_files_of_genes_report_every_bad_name(tmp_path, capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text("MYC\n mrtl \nNOTAGENE1\nTP53\nGAPDHX\n")
    assert cli.main(["predict", "--cell-line", "rpe1", "--pert", "MYC", "--genes", str(genes),
                     "--model", "knn_retrieval"]) == 2
    err = error_lines(capsys)[0]
    assert "2 readout names cannot be used" in err and "'NOTAGENE1'" in err
    assert "did you mean GAPDH" in err and "MYC'" not in err and "mrtl" not in err
    cands = tmp_path / "cands.txt"
    cands.write_text("TP53\nNOTAGENE1\nNOTAGENE2\n")
    assert cli.main(["prioritise", "--cell-line", "rpe1", "--candidates", str(cands),
                     "--model", "knn_retrieval"]) == 2
    err = error_lines(capsys)[0]
    assert "2 candidate names cannot be used" in err
    assert "'NOTAGENE1'" in err and "'NOTAGENE2'" in err



def test_unreadable_cached_model_is_refitted(tmp_path, monkeypatch, capsys):
    import pqstats.predict as predict

    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    monkeypatch.setattr(predict, "_MODELS", {})
    first = predict.screen_model("k562_set", "dir", "gene_frequency")
    path = next((tmp_path / "cache" / "models").glob("*.joblib"))
    path.write_bytes(b"not a pickle")
    monkeypatch.setattr(predict, "_MODELS", {})
    again = predict.screen_model("k562_set", "dir", "gene_frequency")
    assert "unreadable" in capsys.readouterr().err
    pairs = first.train_pairs_[["pert", "gene"]].head(20)
    np.testing.assert_array_equal(first.score_pairs(pairs), again.score_pairs(pairs))



@pytest.mark.parametrize(("call", "message"), [
    (lambda: _themes(top=0), r"top must be at least 1, got 0"),
    (lambda: _themes(top=-3), r"top must be at least 1, got -3"),
    (lambda: _prioritise(["TP53"], budget=0), r"budget must be at least 1, got 0"),
    (lambda: _prioritise(["TP53"], budget=1.5), r"budget must be a whole number"),
    (lambda: _simulate(batch=0), r"batch must be at least 1, got 0"),
    (lambda: _simulate(n_rounds=-1), r"n_rounds must be at least 0, got -1"),
    (lambda: _simulate(strong_quantile=1.0), r"strong_quantile must be strictly between"),
    (lambda: _explain_n(n_neighbours=0), r"n_neighbours must be at least 1, got 0"),
    (lambda: _explain_n(max_paths=-1), r"max_paths must be at least 1, got -1"),
])
def test_python_functions_refuse_numbers_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _themes(top):
    from pqstats.predict import responder_themes

    table = pd.DataFrame({"gene": ["MYC", "MAX"], "p_de": [0.9, 0.1], "lift": [0.2, 0.0]})
    return responder_themes(table, top=top)


def _simulate(**kwargs):
    from pqstats.prioritise import simulate_screen

    return simulate_screen("rpe1", pairs=tiny_pairs(), **kwargs)


def _explain_n(**kwargs):
    from pqstats.explain import explain

    return explain("k562", "MYC", "MYC", model="knn_retrieval", **kwargs)
