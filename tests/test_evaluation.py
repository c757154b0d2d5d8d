"""The PerturbQA metric and friends, against sklearn and hand-computed values."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from pqstats import evaluation as ev
from pqstats import models
from pqstats._io import InputFileError, read_table
from pqstats.cli import main
from pqstats.evaluation import PredictionError
from pqstats.prioritise import simulate_screen
from pqstats.screens import load_dir
from pqstats.summer.retrieve import ExampleRetriever
from tests._helpers import tiny_pairs, write_file


def _loop_auc_per_gene(pairs: pd.DataFrame, scores) -> float:
    """The published definition, written as plainly as possible."""
    values = []
    for _, grp in pairs.assign(score=scores).groupby("gene"):
        if grp.label.nunique() == 2:
            values.append(roc_auc_score(grp.label, grp.score))
    return float(np.mean(values))


@pytest.fixture
def random_pairs():
    rng = np.random.default_rng(0)
    n = 60 * 40  # every (pert, gene) pair once, in a shuffled order
    order = rng.permutation(n)
    pairs = pd.DataFrame({"pert": (order // 40).astype(str), "gene": (order % 40).astype(str),
                          "label": rng.integers(0, 2, n)})
    scores = rng.integers(0, 6, n).astype(float)  # many ties
    return pairs, scores


def test_matches_sklearn_loop_with_ties(random_pairs):
    pairs, scores = random_pairs
    assert ev.auc_per_gene(pairs, scores) == pytest.approx(
        _loop_auc_per_gene(pairs, scores), abs=1e-12)


def test_auprc_matches_sklearn_per_group(random_pairs):
    pairs, scores = random_pairs
    ours = ev.auprc_by_group(pairs, scores)
    ref = pairs.assign(s=scores).groupby("gene")[["label", "s"]].apply(
        lambda g: average_precision_score(g.label, g.s))
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), atol=1e-12)


def test_hand_computed_fixture():
    # gene a: positives score 0.9, 0.4; negatives 0.5, 0.1 -> 3 of 4 ordered pairs right
    # gene b: one positive tied with one negative (0.5 credit), one negative below -> 0.75
    # gene c: all positive -> skipped
    pairs = pd.DataFrame({
        "gene": list("aaaabbbcc"), "pert": list("pqrspqrpq"),
        "label": [1, 1, 0, 0, 1, 0, 0, 1, 1]})
    scores = [0.9, 0.4, 0.5, 0.1, 0.7, 0.7, 0.2, 0.3, 0.8]
    per_gene = ev.auroc_by_group(pairs, scores)
    assert per_gene.to_dict() == {"a": 0.75, "b": 0.75}
    assert ev.auc_per_gene(pairs, scores) == 0.75


def test_constant_per_gene_scores_exactly_half(random_pairs):
    pairs, _ = random_pairs
    gene_rate = pairs.groupby("gene").label.transform("mean")
    assert ev.auc_per_gene(pairs, gene_rate) == 0.5


def test_invariances(random_pairs):
    pairs, scores = random_pairs
    base = ev.auc_per_gene(pairs, scores)
    perm = np.random.default_rng(1).permutation(len(pairs))
    assert ev.auc_per_gene(pairs.iloc[perm], scores[perm]) == pytest.approx(base, abs=1e-12)
    # strictly increasing transforms and per-gene shifts do not change a per-gene AUROC
    shift = pairs.gene.astype(int).to_numpy() * 10.0
    assert ev.auc_per_gene(pairs, np.exp(scores) + shift) == pytest.approx(base, abs=1e-12)
    # flipping the scores mirrors the metric
    assert ev.auc_per_gene(pairs, -scores) == pytest.approx(1 - base, abs=1e-12)


def test_predict_proba_array_is_accepted(random_pairs):
    pairs, scores = random_pairs
    proba = np.column_stack([1 - scores / 10, scores / 10])
    assert ev.auc_per_gene(pairs, proba) == pytest.approx(ev.auc_per_gene(pairs, scores))


def test_no_gene_with_both_classes_is_an_error():
    pairs = pd.DataFrame({"gene": ["a", "b"], "pert": ["p", "q"], "label": [1, 0]})
    with pytest.raises(ValueError, match="no gene has both classes"):
        ev.auc_per_gene(pairs, [0.2, 0.3])


def test_bootstrap_is_seeded_and_brackets_the_mean(random_pairs):
    pairs, scores = random_pairs
    per_gene = ev.auroc_by_group(pairs, scores).to_numpy()
    a = ev.bootstrap_ci(per_gene, random_state=3)
    assert a == ev.bootstrap_ci(per_gene, random_state=3)
    assert a != ev.bootstrap_ci(per_gene, random_state=4)
    assert a[0] < per_gene.mean() < a[1]
    with pytest.raises(ValueError, match="confidence"):
        ev.bootstrap_ci(per_gene, confidence=95)


def test_random_scores_sit_at_chance():
    rng = np.random.default_rng(11)
    pairs = pd.DataFrame({"gene": np.repeat(np.arange(300), 40).astype(str),
                          "pert": np.tile(np.arange(40), 300).astype(str),
                          "label": rng.integers(0, 2, 12000)})
    result = ev.evaluate(pairs, rng.random(12000))
    assert result["ci_low"] < 0.5 < result["ci_high"]
    assert result["n_genes"] == 300


@pytest.mark.parametrize(("scores", "message"), [
    ([0.1, np.nan, 0.3], "NaN or infinite"),
    ([0.1, 0.2], "got 2 scores for 3 pairs"),
    (np.zeros((3, 3)), "one-dimensional"),
])
def test_bad_scores(scores, message):
    pairs = pd.DataFrame({"gene": ["a", "a", "a"], "pert": ["p", "q", "r"], "label": [1, 0, 1]})
    with pytest.raises(PredictionError, match=message):
        ev.auc_per_gene(pairs, scores)


# --- score_predictions on the real k562 dir test split ---------------------------------
@pytest.fixture
def k562_dir_predictions():
    test = load_dir("k562").query("split == 'test'")
    return test[["pert", "gene"]].assign(score=np.linspace(0, 1, len(test)))


@pytest.mark.integration
def test_score_predictions_accepts_exact_coverage(k562_dir_predictions, tmp_path):
    metrics = ev.score_predictions("k562", "dir", k562_dir_predictions)
    assert 0 <= metrics["auroc"] <= 1 and metrics["n_genes"] == 150
    path = tmp_path / "pred.csv"
    k562_dir_predictions.sample(frac=1, random_state=0).to_csv(path, index=False)
    assert ev.score_predictions("k562", "dir", path)["auroc"] == metrics["auroc"]


@pytest.mark.integration
@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.iloc[1:], r"1 of 3119 k562 dir test pairs have no prediction"),
    (lambda d: pd.concat([d, d.iloc[:2]]), r"2 duplicate \(pert, gene\) predictions"),
    (lambda d: d.assign(score=d.score.where(d.index != d.index[0])), r"1 predictions have a NaN"),
    (lambda d: pd.concat([d, pd.DataFrame({"pert": ["X"], "gene": ["Y"], "score": [0.1]})]),
     r"1 predictions are not k562 dir test pairs"),
    (lambda d: d.rename(columns={"score": "p"}), r"missing \['score'\]"),
])
def test_score_predictions_rejects_bad_coverage(k562_dir_predictions, mutate, message):
    with pytest.raises(PredictionError, match=message):
        ev.score_predictions("k562", "dir", mutate(k562_dir_predictions))


# --- grouped cross-validation ----------------------------------------------------------
def test_grouped_folds_keep_perturbations_together(toy_pairs):
    folds = ev.grouped_folds(toy_pairs, folds=4, random_state=1)
    seen = []
    for train_idx, test_idx in folds:
        assert not set(toy_pairs.pert.iloc[train_idx]) & set(toy_pairs.pert.iloc[test_idx])
        seen.extend(test_idx)
    assert sorted(seen) == list(range(len(toy_pairs)))
    again = ev.grouped_folds(toy_pairs.iloc[::-1], folds=4, random_state=1)
    # same seed, same perturbation → fold assignment whatever the row order
    first = {p: k for k, (_, te) in enumerate(folds) for p in toy_pairs.pert.iloc[te]}
    second = {p: k for k, (_, te) in enumerate(again) for p in toy_pairs.iloc[::-1].pert.iloc[te]}
    assert first == second
    with pytest.raises(ValueError, match="folds must be between 2"):
        ev.grouped_folds(toy_pairs, folds=1)


def test_cross_validate_matches_a_manual_loop_and_is_parallel_safe(toy_pairs):
    from pqstats.models import get

    toy_pairs = toy_pairs[toy_pairs.split == "train"].reset_index(drop=True)

    model = get("random", random_state=5)
    res1, oof1 = ev.cross_validate(model, toy_pairs, folds=3, n_jobs=1)
    res2, oof2 = ev.cross_validate(model, toy_pairs, folds=3, n_jobs=2)
    pd.testing.assert_frame_equal(res1, res2)
    np.testing.assert_array_equal(oof1, oof2)
    assert list(res1.columns) == ["fold", "auroc", "auprc", "auroc_per_pert", "pooled_auroc",
                                  "n_genes", "n_pairs"]
    for k, (tr, te) in enumerate(ev.grouped_folds(toy_pairs, folds=3)):
        held = toy_pairs.iloc[te]
        manual = get("random", random_state=5).fit(toy_pairs.iloc[tr], toy_pairs.label.iloc[tr])
        assert res1.auroc[k] == pytest.approx(ev.auc_per_gene(held, manual.score_pairs(held)))


def test_grid_search_ranks_configurations(toy_pairs):
    from pqstats.models import get

    toy_pairs = toy_pairs[toy_pairs.split == "train"].reset_index(drop=True)

    grid = ev.grid_search(get("gene_frequency"), {"smoothing": [0.0, 1.0]}, toy_pairs, folds=3)
    assert list(grid.columns) == ["smoothing", "mean_auroc", "std_auroc"]
    assert grid.mean_auroc.is_monotonic_decreasing and len(grid) == 2


# ------------------------------------------------ invalid input: metrics, labels, prediction files
def _pairs(**columns) -> pd.DataFrame:
    """Two genes with both classes over four perturbations (8 pairs), columns overridable."""
    base = {"pert": list("pqrs") * 2, "gene": ["a"] * 4 + ["b"] * 4,
            "label": [1, 0, 1, 0, 0, 1, 1, 0]}
    base.update(columns)
    return pd.DataFrame(base)


SCORES = np.array([0.9, 0.1, 0.6, 0.4, 0.3, 0.8, 0.2, 0.5])


def _metrics():
    """Every public metric entry point, as f(pairs, scores)."""
    return {
        "auc_per_gene": ev.auc_per_gene,
        "auc_per_pert": ev.auc_per_pert,
        "auprc_per_gene": ev.auprc_per_gene,
        "auroc_by_group": ev.auroc_by_group,
        "auprc_by_group": ev.auprc_by_group,
        "pooled_auroc": ev.pooled_auroc,
        "evaluate": lambda p, s: ev.evaluate(p, s, n_boot=10),
    }


# ------------------------------------------------------------- metrics check input
BAD_METRIC_INPUTS = [
    ("labels 0/2", lambda: (_pairs(label=[2, 0, 2, 0, 0, 2, 2, 0]), SCORES),
     r"labels must be 0 or 1.*4 of 8 labels are not: 2"),
    ("labels -1/1", lambda: (_pairs(label=[1, -1, 1, -1, -1, 1, 1, -1]), SCORES),
     r"labels must be 0 or 1.*-1"),
    ("labels as text", lambda: (_pairs(label=["yes", "no"] * 4), SCORES),
     r"labels must be 0 or 1.*'yes', 'no'"),
    ("label NaN", lambda: (_pairs(label=[1, 0, 1, np.nan, 0, 1, 1, 0]), SCORES),
     r"1 of 8 labels are not: nan \(e\.g\. pert 's' / gene 'a'\)"),
    ("label NA (nullable)", lambda: (_pairs(label=pd.array([1, 0, 1, None, 0, 1, 1, 0],
                                                          dtype="Int64")), SCORES),
     r"1 of 8 labels are not: nan"),
    ("score NaN", lambda: (_pairs(), np.r_[SCORES[:7], np.nan]),
     r"1 of 8 scores are NaN or infinite or not numbers.*pert 's' / gene 'b'"),
    ("score inf", lambda: (_pairs(), np.r_[np.inf, SCORES[1:]]),
     r"1 of 8 scores are NaN or infinite.*inf for pert 'p' / gene 'a'"),
    ("score text", lambda: (_pairs(), ["high", *SCORES[1:]]),
     r"scores are NaN or infinite or not numbers, e\.g\. 'high'"),
    ("too few scores", lambda: (_pairs(), SCORES[:5]), r"got 5 scores for 8 pairs"),
    ("2-D scores", lambda: (_pairs(), np.zeros((8, 3))), r"one-dimensional"),
    ("empty table", lambda: (_pairs().iloc[:0], []), r"the pair table is empty"),
    ("no label column", lambda: (_pairs().drop(columns="label"), SCORES),
     r"need columns pert, gene, label; missing \['label'\]"),
    ("not a table", lambda: ({"gene": ["a"]}, [0.1]), r"must be a DataFrame"),
    ("duplicate pairs", lambda: (_pairs(pert=list("pqrp") * 2), SCORES),
     r"2 duplicate \(pert, gene\) pairs, e\.g\. pert 'p' / gene 'a'"),
]


@pytest.mark.parametrize("metric", list(_metrics()))
@pytest.mark.parametrize(("case", "make", "message"), BAD_METRIC_INPUTS,
                         ids=[c[0] for c in BAD_METRIC_INPUTS])
def test_every_metric_refuses_bad_input(metric, case, make, message):
    pairs, scores = make()
    with pytest.raises(ValueError, match=message):
        _metrics()[metric](pairs, scores)


@pytest.mark.parametrize(("metric", "message"), [
    ("auc_per_gene", r"no gene has both classes: the 8 pairs span 2 genes.*per-gene AUROC "
                     r"needs a positive and a negative pair within a gene"),
    ("auroc_by_group", r"no gene has both classes"),
    ("auprc_per_gene", r"no gene has both classes"),
    ("evaluate", r"no gene has both classes"),
    ("auc_per_pert", r"no pert has both classes: the 8 pairs span 4 perts"),
    ("pooled_auroc", r"all 8 labels are 1"),
])
def test_a_metric_without_both_classes_says_why(metric, message):
    one_class = {"auc_per_pert": [1, 1, 1, 1, 1, 1, 1, 1], "pooled_auroc": [1] * 8}
    labels = one_class.get(metric, [1, 1, 1, 1, 0, 0, 0, 0])  # gene a all 1, gene b all 0
    with pytest.raises(ValueError, match=message):
        _metrics()[metric](_pairs(label=labels), SCORES)


@pytest.mark.parametrize(("values", "kwargs", "message"), [
    ([], {}, r"no values to bootstrap"),
    ([0.5, np.nan], {}, r"1 of 2 values are NaN or infinite"),
    ([0.5, "x"], {}, r"not numbers, e\.g\. 'x'"),
    ([[0.5, 0.6]], {}, r"one-dimensional"),
    ([0.5, 0.6], {"n_boot": 0}, r"n_boot must be at least 1, got 0"),
    ([0.5, 0.6], {"n_boot": 2.5}, r"n_boot must be a whole number, got 2.5"),
])
def test_bootstrap_refuses_bad_values(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ev.bootstrap_ci(values, **kwargs)


def test_valid_input_gives_the_same_metric_with_bools_ints_and_floats():
    ints = ev.evaluate(_pairs(), SCORES, n_boot=50)
    for labels in (_pairs().label.astype(bool), _pairs().label.astype(float),
                   _pairs().label.astype(object)):
        assert ev.evaluate(_pairs(label=labels.to_numpy()), SCORES, n_boot=50) == ints
    # 3 of 4 ordered pairs right in gene a and in gene b (hand-computed)
    assert ints["auroc"] == 0.75 and ints["n_genes"] == 2


# ------------------------------------------------- test labels never reach selection
FIT_CALLS = [
    ("cross_validate", lambda d: ev.cross_validate(models.get("prior"), d, folds=3)),
    ("grid_search", lambda d: ev.grid_search(models.get("gene_frequency"),
                                             {"smoothing": [0.0, 1.0]}, d, folds=3)),
    ("fit", lambda d: models.get("gene_frequency").fit(d, d.label)),
    ("simulate_screen", lambda d: simulate_screen(pairs=d, n_initial=2, batch=2, n_rounds=1)),
    ("ExampleRetriever.fit", lambda d: ExampleRetriever(None).fit(d)),
]


@pytest.mark.parametrize(("what", "call"), FIT_CALLS, ids=[c[0] for c in FIT_CALLS])
def test_model_selection_and_fitting_refuse_test_rows(toy_pairs, what, call):
    assert (toy_pairs.split == "test").sum() == 96  # 8 test perturbations x 12 genes
    with pytest.raises(ValueError, match=rf"{what} got 96 test rows \(split == 'test'\) "
                                         r".*pairs\[pairs\['split'\] == 'train'\]"):
        call(toy_pairs)


def test_training_rows_alone_are_accepted(toy_pairs):
    train = toy_pairs[toy_pairs.split == "train"].reset_index(drop=True)
    table, oof = ev.cross_validate(models.get("random"), train, folds=3)
    assert len(table) == 3 and np.isfinite(oof).all()
    with pytest.raises(ValueError, match=r"labels must be 0 or 1.*2"):
        ev.cross_validate(models.get("random"), train.assign(label=train.label * 2), folds=3)
    with pytest.raises(ValueError, match=r"cross_validate got an empty pair table"):
        ev.cross_validate(models.get("random"), train.iloc[:0], folds=3)



GOOD = "pert,gene,score\np,a,0.9\nq,a,0.1\n"
BAD_PREDICTION_FILES = [
    ("binary", "pred.csv", b"pert,gene\x00\x01\x02", r"pred\.csv: is a binary file"),
    ("gzip", "pred.csv", gzip.compress(GOOD.encode()), r"is gzip-compressed, not a "
                                                        r"predictions file"),
    ("excel", "pred.csv", b"PK\x03\x04rest", r"is a zip archive \(an Excel \.xlsx\?\)"),
    ("latin-1", "pred.csv", "pert,gene,score\np\xe9,a,0.9\n".encode("latin-1"),
     r"pred\.csv, line 2: is not UTF-8 text"),
    ("tab in .csv", "pred.csv", GOOD.replace(",", "\t"),
     r"pred\.csv, line 1: is tab-separated, but a \.csv file must be comma-separated; "
     r"expected a predictions file with a header line and columns pert,gene,score"),
    ("comma in .tsv", "pred.tsv", GOOD, r"is comma-separated, but a \.tsv file must be "
                                        r"tab-separated"),
    ("semicolons", "pred.csv", GOOD.replace(",", ";"), r"is semicolon-separated"),
    ("inf score", "pred.csv", GOOD + "r,a,inf\n",
     r"pred\.csv, line 4: 1 of 3 rows have a score that is not a finite number, the first "
     r"'inf' \(pert r, gene a\)"),
    ("text score", "pred.csv", GOOD + "r,a,high\n", r"the first 'high'"),
    ("empty score", "pred.csv", GOOD + "r,a,\n", r"line 4: .*the first ''"),
    ("nan score", "pred.csv", GOOD + "r,a,NaN\n", r"the first 'NaN'"),
    ("missing column", "pred.csv", "pert,gene,p\np,a,0.9\n",
     r"line 1: has no column score \(the header, split at each comma, gives "
     r"\['pert', 'gene', 'p'\]\)"),
    ("ambiguous header", "pred.csv", "pert, Pert,gene,score\np,q,a,0.9\n",
     r"columns 'pert' and ' Pert' both read as 'pert'"),
    ("ragged line", "pred.csv", GOOD + "r,a\n", r"line 4: has 2 comma-separated fields, the "
                                                r"header has 3"),
    ("duplicate rows", "pred.csv", GOOD + "p,a,0.5\n",
     r"line 4: 1 repeated rows \(pert, gene\): pert p, gene a is on lines 2, 4"),
    ("empty file", "pred.csv", "", r"pred\.csv: is empty"),
    ("header only", "pred.csv", "pert,gene,score\n", r"has a header but no rows"),
    ("folder", "dir.csv", None, r"is a folder"),
]


@pytest.mark.parametrize(("case", "name", "content", "message"), BAD_PREDICTION_FILES,
                         ids=[c[0] for c in BAD_PREDICTION_FILES])
def test_prediction_files_in_the_wrong_form(tmp_path, case, name, content, message):
    if content is None:
        (tmp_path / name).mkdir()
        path = tmp_path / name
    else:
        path = write_file(tmp_path, name, content)
    with pytest.raises(InputFileError, match=message):
        ev.read_predictions(path)


def test_headers_are_read_without_spaces_and_case(tmp_path):
    path = write_file(tmp_path, "pred.txt", " Pert \tGENE\t Score\np\ta\t0.9\nq\t a \t1e-3\n")
    table = read_table(path, ["pert", "gene", "score"], numeric=["score"])
    assert list(table.columns) == ["pert", "gene", "score"]
    assert table["gene"].tolist() == ["a", "a"] and table["score"].tolist() == [0.9, 0.001]
    assert table.attrs["lines"] == [2, 3]


def test_cli_score_names_the_file_in_one_line(tmp_path, capsys):
    path = write_file(tmp_path, "pred.csv", GOOD.replace(",", "\t"))
    assert main(["score", str(path), "--dataset", "k562", "--task", "dir"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith(f"pqstats score: error: {path}, line 1: is tab-separated")
    assert err[1].startswith("hint: fix the file") and len(err) == 2


@pytest.mark.integration
@pytest.mark.parametrize(("mutate", "message"), [
    (lambda test, train: pd.concat([test, train.head(4)]),
     r"4 predictions are not k562 dir test pairs \(4 of them are training pairs\)"),
    (lambda test, train: test.iloc[10:], r"10 of 3119 k562 dir test pairs have no prediction"),
    (lambda test, train: test.assign(score=test.score.astype(object).where(
        test.index != test.index[3], "inf")), r"line 5: 1 of 3119 rows have a score that is "
                                              r"not a finite number, the first 'inf'"),
])
def test_cli_score_on_the_real_test_split(tmp_path, capsys, mutate, message):
    from pqstats import load_dir

    pairs = load_dir("k562")
    test = pairs.query("split == 'test'")[["pert", "gene"]].assign(score=0.3)
    train = pairs.query("split == 'train'")[["pert", "gene"]].assign(score=0.3)
    path = tmp_path / "pred.csv"
    mutate(test, train).to_csv(path, index=False)
    assert main(["score", str(path), "--dataset", "k562", "--task", "dir"]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err



@pytest.mark.parametrize(("call", "message"), [
    (lambda: _evaluate(n_boot=-1), r"n_boot must be at least 0, got -1"),
    (lambda: _evaluate(n_boot=2.5), r"n_boot must be a whole number, got 2.5"),
    (lambda: _bootstrap(n_boot=0), r"n_boot must be at least 1, got 0"),
    (lambda: _bootstrap(confidence=1.5), r"confidence must be strictly between 0 and 1"),
    (lambda: _bootstrap(confidence=0), r"confidence must be strictly between 0 and 1"),
])
def test_python_functions_refuse_numbers_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _evaluate(n_boot):
    from pqstats.evaluation import evaluate

    return evaluate(tiny_pairs(), [0.1, 0.9, 0.8, 0.2], n_boot=n_boot)


def _bootstrap(n_boot=100, confidence=0.95):
    from pqstats.evaluation import bootstrap_ci

    return bootstrap_ci([0.5, 0.6, 0.7], n_boot=n_boot, confidence=confidence)
