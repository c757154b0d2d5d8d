"""The zero-shot track and the learning curve: no label of the target screen reaches a score."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import pqstats.screens.load as screen_load
from pqstats import models
from pqstats.benchmark import run_benchmark
from pqstats.cli import main
from pqstats.evaluation import evaluate
from pqstats.features import clear_memos, zero_shot
from pqstats.features.profiles import canonical_symbols
from pqstats.fit_cache import fit_predict
from pqstats.knowledge.graph import default_graph
from pqstats.learning_curve import CURVE_COLUMNS, learning_curve, parse_sizes, size_reaching
from pqstats.screens import load_pairs

# small, fast zero-shot fits: one knowledge space, a few thousand rows per other screen
FAST = {"spaces": ("pathway",), "zero_shot_rows": 3000}
TARGET = "hepg2"


def _clear_memos():
    clear_memos()



@pytest.mark.integration
def test_zero_shot_features_of_a_reordered_table_are_its_own_rows():
    """The per-process memo of the target's features is keyed by the rows in their order."""
    pairs = load_pairs(TARGET, "dir").query("split == 'test'").iloc[:3000]
    zs = zero_shot.ZeroShotFeaturizer(TARGET, "dir", spaces=("pathway",),
                                      max_rows_per_source=3000).fit()
    forward = zs.transform(pairs)
    pd.testing.assert_frame_equal(zs.transform(pairs.iloc[::-1]), forward.iloc[::-1])
    clear_memos()
    pd.testing.assert_frame_equal(zs.fit().transform(pairs), forward)

@pytest.mark.integration
def test_zero_shot_kernel_ridge_option_only_adds_the_sources_ridge_columns(jurkat_absent):
    """``ridge`` adds each space's kernel ridge columns (a source's own, averaged over the
    sources as the retrieval is) and leaves every other column as it was."""
    pairs = load_pairs(TARGET, "dir").query("split == 'test'").iloc[:2000]
    plain = zero_shot.ZeroShotFeaturizer(TARGET, "dir", spaces=("pathway",)).fit()
    ridged = zero_shot.ZeroShotFeaturizer(TARGET, "dir", spaces=("pathway",), ridge=10.0).fit()
    added = [c for c in ridged.feature_names() if c not in plain.feature_names()]
    assert added == [f"zs_{s}_{k}" for s in ("self", "pathway")
                     for k in ("ridge", "ridge_smooth", "ridge_strength")]
    with_ridge = ridged.transform(pairs)
    pd.testing.assert_frame_equal(with_ridge[plain.feature_names()], plain.transform(pairs))
    # one source alone (the other excluded): its retrieval's own ridge strength
    src, other = ridged.sources_  # two sources: the mirror here lacks Jurkat (fixture)
    alone = ridged.transform(pairs, exclude=other)
    own = ridged.retrievals_[src].transform(pairs.assign(
        pert=canonical_symbols(default_graph(), pairs["pert"].to_numpy())))
    np.testing.assert_allclose(alone["zs_pathway_ridge_strength"],
                               own["pathway_ridge_strength"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone["zs_self_ridge"], own["self_ridge"], rtol=1e-5, atol=1e-6)
    # the self space's kernel is the identity: its ridge is the pair's own residual outcome
    # over 1 + lambda, where the retrieval's is over 1 + the shrinkage (1)
    np.testing.assert_allclose(own["self_ridge"], own["self_retrieval"] * 2 / 11,
                               rtol=1e-5, atol=1e-6)
    assert (own["self_ridge"] != 0).any()


@pytest.fixture
def poison(monkeypatch):
    """Replace the labels of one built-in screen (both splits, both tasks) by noise, at the
    loader every reader of a screen goes through."""
    original = screen_load._load_builtin_cached

    def apply(screen: str):
        def poisoned(name, task, *rest):
            table = original(name, task, *rest)
            if name != screen:
                return table
            rng = np.random.default_rng(7)
            return table.assign(label=rng.integers(0, 2, len(table)).astype(table["label"].dtype))

        monkeypatch.setattr(screen_load, "_load_builtin_cached", poisoned)
        _clear_memos()

    yield apply
    _clear_memos()


def _zero_shot_scores(model: str, params: dict, task: str = "dir"
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    pairs = load_pairs(TARGET, task)
    scores, _ = fit_predict(model, TARGET, task, "zero-shot", pairs, params)
    return pairs, scores


@pytest.mark.integration
@pytest.mark.parametrize(("model", "params"), [("logistic", FAST),
                                               ("knn_retrieval", {"space": "pathway"})])
def test_poisoned_target_labels_change_no_zero_shot_score(poison, model, params):
    _clear_memos()
    clean_pairs, clean = _zero_shot_scores(model, params)
    poison(TARGET)
    poisoned_pairs = load_pairs(TARGET, "dir")
    # the poison reaches every reader of the target (train and test labels)
    assert (poisoned_pairs["label"].to_numpy() != clean_pairs["label"].to_numpy()).mean() > 0.3
    _, dirty = _zero_shot_scores(model, params)
    np.testing.assert_allclose(dirty, clean, rtol=0, atol=1e-9)


@pytest.mark.integration
def test_poisoned_source_screen_does_change_zero_shot_scores(poison):
    """Control: the test above can fail; the other screens' labels do decide the scores."""
    _clear_memos()
    _, clean = _zero_shot_scores("knn_retrieval", {"space": "pathway"})
    poison("k562")
    _, dirty = _zero_shot_scores("knn_retrieval", {"space": "pathway"})
    assert np.abs(dirty - clean).max() > 1e-3


@pytest.mark.integration
def test_zero_shot_pair_score_alone_equals_score_with_whole_test_set(jurkat_absent):
    model = models.get_for("logistic", TARGET, "dir", "zero-shot", **FAST)
    model.fit(pd.DataFrame({"pert": [], "gene": []}), np.array([], dtype=int))
    test = load_pairs(TARGET, "dir").query("split == 'test'")[["pert", "gene"]]
    together = model.score_pairs(test)
    for i in (0, 17, len(test) // 2, len(test) - 1):
        np.testing.assert_allclose(model.score_pairs(test.iloc[[i]]), together[[i]],
                                   rtol=0, atol=1e-6)  # float32 matrix products
    assert set(model.featurizer_.sources_) == {"k562", "rpe1"}  # other studies only


@pytest.mark.integration
def test_zero_shot_model_reads_the_chosen_kinds_and_the_graph_relations():
    from pqstats.features.graph_pairs import GRAPH_PAIR_FEATURES

    model = models.get_for("logistic", TARGET, "dir", "zero-shot", **FAST)
    model.fit(pd.DataFrame({"pert": [], "gene": []}), np.array([], dtype=int))
    assert model.feature_names_ == [
        "zs_self_retrieval", "zs_self_retrieval_smooth", "zs_self_strength",
        "zs_pathway_retrieval", "zs_pathway_retrieval_smooth", "zs_pathway_strength",
        *GRAPH_PAIR_FEATURES]
    assert model.classifier_[-1].coef_.shape == (1, len(model.feature_names_))
    with pytest.raises(ValueError, match=r"unknown zero-shot feature\(s\) \['zs_self_shiny'"):
        model.featurizer_.model_columns(("shiny",))


@pytest.mark.integration
@pytest.mark.parametrize("task", ["dir", "de"])
def test_zero_shot_logit_feature_is_the_zero_shot_track_logistic_model(task):
    # the transfer track's zero_shot_logit is exactly the logistic model of the zero-shot
    # track (which the poisoning test above shows reads no label of the target), on the
    # task fitted on raw features and on the one fitted within gene
    from scipy.special import expit

    model = models.get_for("logistic", TARGET, task, "zero-shot", **FAST)
    model.fit(pd.DataFrame({"pert": [], "gene": []}), np.array([], dtype=int))
    test = load_pairs(TARGET, task).query("split == 'test'")[["pert", "gene"]].iloc[:20000]
    logit = zero_shot.ZeroShotLogit(TARGET, task, spaces=("pathway",),
                                    max_rows_per_source=3000).fit().transform(test)
    assert list(logit.columns) == ["zero_shot_logit"] and logit.index.equals(test.index)
    np.testing.assert_allclose(expit(logit["zero_shot_logit"].to_numpy(np.float64)),
                               model.score_pairs(test), rtol=0, atol=1e-5)  # float32


@pytest.mark.integration
@pytest.mark.parametrize("task", ["de", "dir"])
def test_zero_shot_logistic_fits_within_gene_on_the_chosen_tasks(task):
    """On DE the weights are those of a fit on features centred within each source's gene
    (Dir: on the raw features), and the mean probability of the training rows is their
    positive rate either way."""
    from pqstats._estimators import standardised_logistic

    zs = zero_shot.ZeroShotFeaturizer(TARGET, task, spaces=("pathway",),
                                      max_rows_per_source=3000).fit()
    clf = zero_shot.zero_shot_logistic(zs, 0.1)
    features, labels, origin = zs.training_set()
    X = features[zs.model_columns()].to_numpy(np.float32)
    genes = zs.training_genes()
    assert len(genes) == len(X)
    assert all(g.startswith(o + "|") for g, o in zip(genes, origin, strict=True))
    if task in zero_shot.WITHIN_GENE_TASKS:
        frame = pd.DataFrame(X.astype(np.float64))
        X = (frame - frame.groupby(genes).transform("mean")).to_numpy(np.float32)
    reference = standardised_logistic(0.1).fit(X, labels)
    np.testing.assert_allclose(clf[-1].coef_, reference[-1].coef_, rtol=1e-6, atol=1e-8)
    raw = features[zs.model_columns()].to_numpy(np.float32)
    assert abs(clf.predict_proba(raw)[:, 1].mean() - labels.mean()) < 1e-3


def test_zero_shot_model_refuses_target_labels():
    model = models.get_for("logistic", TARGET, "dir", "zero-shot")
    pairs = pd.DataFrame({"pert": ["A"], "gene": ["B"]})
    with pytest.raises(ValueError, match="reads no label of the target screen"):
        model.fit(pairs, np.array([1]))


def test_model_that_cannot_run_zero_shot_is_skipped_with_a_note():
    assert models.zero_shot_note("gene_frequency") is not None
    assert models.zero_shot_note("logistic") is None

    @models.register("_no_zero_shot_test", "a model that did not opt in")
    class NoZeroShot(models.PriorModel):
        zero_shot_note = models.PairClassifier.zero_shot_note

    try:
        res = run_benchmark([TARGET], ["dir"], ["gene_frequency", "_no_zero_shot_test"],
                            ["zero-shot"], n_boot=10, progress=False, cache=False)
    finally:
        models._REGISTRY.pop("_no_zero_shot_test")
    assert res["note"].str.startswith("cannot run zero-shot: ").all()
    assert res["auroc"].isna().all()


@pytest.mark.integration
def test_learning_curve_endpoints_are_the_zero_shot_and_transfer_tracks():
    curve = learning_curve(TARGET, "dir", "knn_retrieval", sizes=[0, 20, "all"], repeats=2,
                           n_boot=20, cache=False)
    assert list(curve.columns) == CURVE_COLUMNS
    assert curve[["size", "track"]].apply(tuple, axis=1).tolist() == [
        ("0", "zero-shot"), ("20", "strict"), ("20", "transfer"), ("20", "strict"),
        ("20", "transfer"), ("all", "strict"), ("all", "transfer")]
    pairs = load_pairs(TARGET, "dir")
    test = pairs[pairs["split"] == "test"]
    for size, track in (("0", "zero-shot"), ("all", "transfer"), ("all", "strict")):
        scores, _ = fit_predict("knn_retrieval", TARGET, "dir", track, pairs)
        got = curve.loc[(curve["size"] == size) & (curve["track"] == track), "auroc"].item()
        assert got == pytest.approx(evaluate(test, scores, n_boot=0)["auroc"], abs=1e-12)
    # the two repeats draw different perturbations
    at20 = curve[(curve["size"] == "20") & (curve["track"] == "strict")]["auroc"]
    assert at20.iloc[0] != at20.iloc[1]


def test_size_reaching_ninety_percent_of_the_transfer_gain():
    curve = pd.DataFrame({"size": ["0", "10", "10", "30", "all", "all"],
                          "repeat": [0, 0, 1, 0, 0, 0],
                          "track": ["zero-shot", "transfer", "transfer", "transfer", "strict",
                                    "transfer"],
                          "auroc": [0.55, 0.66, 0.70, 0.70, 0.9, 0.72]})
    # goal 0.5 + 0.9 * 0.22 = 0.698: size 10's mean (0.68) falls short, size 30 reaches it
    assert size_reaching(curve) == "30"
    assert size_reaching(curve, fraction=0.2) == "0"
    assert size_reaching(curve[curve["size"] != "all"]) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("0,10,all", [0, 10, "all"]), (" all , 30,0,30", [0, 30, "all"]), ("5", [5])])
def test_parse_sizes(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize(("argv", "message"), [
    (["--sizes", "0,ten"], "size 'ten' is neither"),
    (["--sizes", ""], "no size given"),
    (["--sizes", "0,100000"], r"size\(s\) \[100000\] exceed the"),
    (["--model", "gene_frequency"], "cannot run zero-shot"),
    (["--repeats", "0"], "--repeats"),
])
def test_learning_curve_cli_argument_errors(tmp_path, capsys, argv, message):
    rc = main(["learning-curve", "--dataset", TARGET, "--task", "dir", "--out",
               str(tmp_path), *argv])
    assert rc == 2
    assert re.search(message, capsys.readouterr().err)
    assert not list(tmp_path.iterdir())  # a run that did nothing writes nothing


def test_cli_tracks_include_zero_shot(capsys):
    assert main(["benchmark", "--track", "zero_shot", "--datasets", TARGET]) == 2
    assert "zero-shot" in capsys.readouterr().err
    from pqstats.cli import build_parser

    for cmd in (["predict", "--cell-line", TARGET, "--pert", "MYC"],
                ["explain", "--cell-line", TARGET, "--pert", "MYC", "--gene", "MYC"],
                ["prioritise", "--cell-line", TARGET, "--candidates", "genes.txt"]):
        assert build_parser().parse_args([*cmd, "--track", "zero-shot"]).track == "zero-shot"


def test_report_shows_the_learning_curves_beside_the_tables(tmp_path):
    from pqstats.report import write_report

    results = pd.DataFrame([{"dataset": "hepg2", "task": "dir", "track": t, "model": "logistic",
                             "auroc": a, "ci_low": a - 0.02, "ci_high": a + 0.02, "auprc": 0.5,
                             "n_genes": 10, "seconds": 1.0, "note": ""}
                            for t, a in (("strict", 0.8), ("transfer", 0.86), ("zero-shot", 0.72))])
    folder = tmp_path / "learning_curve" / "hepg2-dir"
    folder.mkdir(parents=True)
    pd.DataFrame({"size": ["0", "30", "30", "all", "all"], "repeat": [0, 0, 0, 0, 0],
                  "track": ["zero-shot", "strict", "transfer", "strict", "transfer"],
                  "auroc": [0.72, 0.64, 0.70, 0.80, 0.86], "ci_low": 0.6, "ci_high": 0.9}
                 ).to_csv(folder / "learning_curve.csv", index=False)
    write_report(results, tmp_path, roc=False)
    text = (tmp_path / "benchmark.md").read_text()
    assert "| hepg2-dir | 0.720 | 0.860 | 0.800 | all |" in text
    assert (tmp_path / "figures" / "learning_curves.png").is_file()
    assert "| logistic | zero-shot |" in text
