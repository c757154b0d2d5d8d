"""The GSE rule experiment: nested CV that never lets a held-out label reach the choice,
ROUGE-1 as rouge-score computes it, and the shipped default reproducing its number."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "experiments" / "results" / "gse_rule.csv"


def _load():
    name = "pqstats_experiment_gse_rule"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "experiments" / "gse_rule.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules[name]


gse_rule = _load()

WORDS = ["ribosome", "proteasome", "spliceosome", "mediator", "integrator", "cohesin",
         "translation", "histone", "exosome", "chaperonin", "glycolysis", "cholesterol"]


def _toy(seed: int, n_rules: int = 6, n_clusters: int = 40):
    """Rules x clusters of one-to-three-word descriptions, labels, kinds and fixed groups.

    Rule r names the label's theme word with probability rising in r, so the later rules
    are better on average; the groups pair up clusters."""
    rng = np.random.default_rng(seed)
    themes = rng.choice(WORDS, n_clusters)
    labels = [f"{t} complex" for t in themes]
    rows = {}
    for r in range(n_rules):
        hit = rng.random(n_clusters) < (r + 1) / (n_rules + 2)
        rows[f"rule{r}"] = [f"{t} process" if h else f"{rng.choice(WORDS)} process"
                            for t, h in zip(themes, hit, strict=True)]
    desc = pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[f"c{i}" for i in range(n_clusters)])
    kinds = np.array(["pert"] * (n_clusters * 2 // 3) + ["gene"] * (n_clusters
                                                                     - n_clusters * 2 // 3))
    groups = [f"g{i // 2}" for i in range(n_clusters)]
    return desc, labels, kinds, groups


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_held_out_labels_never_reach_the_inner_choice(seed):
    desc, labels, kinds, groups = _toy(seed)
    kw = dict(n_outer=4, n_repeats=2, n_inner=3, seed=seed)
    folds = gse_rule.nested_cv(desc, labels, kinds, groups, **kw)
    chosen = folds.groupby(["repeat", "fold"])["chosen"].first()
    # the outer split of repeat 0, as nested_cv draws it
    outer = gse_rule._splits(np.asarray(kinds), np.asarray(groups), 4, seed)
    worst = desc.index[0]  # the rule that names the theme least often
    for fold, (_train, test) in enumerate(outer):
        # rewrite the held-out labels so that the worst rule is right on every one of them
        perturbed = list(labels)
        for i in test:
            perturbed[i] = desc.loc[worst].iloc[i]
        again = gse_rule.nested_cv(desc, perturbed, kinds, groups, **kw)
        again_chosen = again.groupby(["repeat", "fold"])["chosen"].first()
        assert again_chosen[(0, fold)] == chosen[(0, fold)]
        # the folds are the same (the groups, not the labels, define them) ...
        held = sorted(again.query("repeat == 0 and fold == @fold")["cluster"])
        assert held == sorted(int(i) for i in test)
        # ... and the perturbation is strong: the held-out scores moved
        before = folds.query("repeat == 0 and fold == @fold")["rouge1_recall"].to_numpy()
        after = again.query("repeat == 0 and fold == @fold")["rouge1_recall"].to_numpy()
        assert not np.allclose(before, after)
    # a leaky choice (scoring every cluster) would flip under the same rewrite of all labels
    everything = [desc.loc[worst].iloc[i] for i in range(len(labels))]
    leaky, _ = gse_rule.choose_rule(desc, everything, kinds, groups, n_inner=3)
    assert leaky == worst != gse_rule.choose_rule(desc, labels, kinds, groups, n_inner=3)[0]


def test_inner_cv_score_is_the_mean_of_held_out_fold_means_and_ties_go_to_the_simpler():
    desc, labels, kinds, groups = _toy(7)
    name, cv = gse_rule.choose_rule(desc, labels, kinds, groups, n_inner=4, seed=3)
    scores = gse_rule.score_matrix(desc, labels)
    folds = gse_rule._splits(np.asarray(kinds), np.asarray(groups), 4, 3)
    expected = np.mean([scores.iloc[:, test].mean(axis=1) for _, test in folds], axis=0)
    np.testing.assert_allclose(cv.to_numpy(), expected, rtol=1e-12)
    assert name == cv.idxmax()
    tied = pd.concat([desc.loc[[name]].rename(index={name: "simpler"}), desc])
    assert gse_rule.choose_rule(tied, labels, kinds, groups, n_inner=4, seed=3)[0] == "simpler"


def test_outer_folds_are_grouped_stratified_and_cover_every_cluster_once_per_repeat():
    desc, labels, kinds, groups = _toy(4)
    folds = gse_rule.nested_cv(desc, labels, kinds, groups, n_outer=4, n_repeats=3,
                               n_inner=3, seed=11)
    for _, rep in folds.groupby("repeat"):
        assert sorted(rep["cluster"]) == list(range(desc.shape[1]))
        fold_of = dict(zip(rep["cluster"], rep["fold"], strict=True))
        for i in range(0, desc.shape[1], 2):  # each pair of clusters shares a group
            assert fold_of[i] == fold_of[i + 1]
        gene_folds = rep[np.asarray(kinds)[rep["cluster"]] == "gene"]["fold"]
        assert gene_folds.nunique() == 4  # every fold holds clusters of both kinds
    again = gse_rule.nested_cv(desc, labels, kinds, groups, n_outer=4, n_repeats=3,
                               n_inner=3, seed=11)
    pd.testing.assert_frame_equal(folds, again)  # seeded: deterministic
    other = gse_rule.nested_cv(desc, labels, kinds, groups, n_outer=4, n_repeats=3,
                               n_inner=3, seed=12)
    assert not folds[["cluster", "fold"]].equals(other[["cluster", "fold"]])
    summary = gse_rule.summarise(folds)
    per_repeat = folds.groupby("repeat")["rouge1_f1"].mean()
    assert summary.loc["rouge1_f1", "mean"] == pytest.approx(per_repeat.mean())
    assert summary.loc["rouge1_f1", "sd"] == pytest.approx(per_repeat.std(ddof=1))


@pytest.mark.parametrize("description, label", [
    ("INO80 chromatin remodeling complex", "INO80 complex"),
    ("Nuclear-Transcribed mRNA Catabolic Process, Nonsense-Mediated Decay",
     "nonsense-mediated decay"),
    ("MYC targets V1", "growth targets of Myc"),
    ("", "translation"),
    ("60S ribosomal subunit, cytoplasmic", "60S ribosomal subunit, cytoplasmic"),
])
def test_scores_are_rouge_score_s_rouge1(description, label):
    from rouge_score import rouge_scorer

    ref = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False).score(label, description)
    desc = pd.DataFrame([[description]], index=["rule"], columns=["c"])
    for metric, value in [("rouge1_recall", ref["rouge1"].recall),
                          ("rouge1_precision", ref["rouge1"].precision),
                          ("rouge1_f1", ref["rouge1"].fmeasure)]:
        got = gse_rule.score_matrix(desc, [label], metric).iloc[0, 0]
        assert got == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_candidates_and_groups():
    rules = gse_rule.candidate_rules()
    names = [r.name for r in rules]
    assert names[0] == "baseline" and len(set(names)) == len(names)
    assert "consensus[all,top=5]" in names and "single[reactome]" in names
    assert gse_rule.label_groups(["Post-translational modifications 4",
                                  "post-translational modifications", "Translation"]) == [
        "post-translational modifications", "post-translational modifications", "translation"]
    with pytest.raises(ValueError, match="2 labels but 1 clusters"):
        gse_rule.score_matrix(pd.DataFrame([["a"]]), ["a", "b"])


def test_shipped_default_is_the_experiment_s_choice():
    from pqstats.enrichment import DEFAULT_METHOD, DEFAULT_TOP, PQSTATS_LIBRARIES

    table = pd.read_csv(RESULTS)
    final = table.loc[table["final_choice"], "rule"].item()
    assert table["final_choice"].sum() == 1
    row = table.loc[table["final_choice"]].iloc[0]
    folds = pd.read_csv(RESULTS.with_name("gse_rule_folds.csv"))
    outer = gse_rule.summarise(folds).loc["rouge1_recall", "mean"]
    baseline = table.set_index("rule").loc["baseline", "rouge1_recall_all77"]
    if outer < baseline:  # no rule beats the paper honestly: the paper's rule is the default
        assert DEFAULT_METHOD == "baseline"
        return
    assert DEFAULT_METHOD == row["method"]
    if DEFAULT_METHOD == "consensus":
        assert final == f"consensus[all,top={DEFAULT_TOP}]"
        assert row["libraries"] == "+".join(PQSTATS_LIBRARIES)


@pytest.mark.integration
def test_default_rule_reproduces_its_number_on_the_real_clusters():
    import warnings

    from pqstats.enrichment import EnrichmentWarning, describe_clusters, score_descriptions

    table = pd.read_csv(RESULTS)
    row = table.loc[table["final_choice"]].iloc[0]
    clusters = gse_rule.load_clusters()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EnrichmentWarning)
        desc = describe_clusters(dict(zip(clusters["key"], clusters["genes"], strict=True)))
    scores = score_descriptions(desc["description"].tolist(), clusters["label"].tolist(),
                                semantic=False)
    assert len(scores) == 77
    for metric in ("rouge1_recall", "rouge1_f1", "rouge1_precision"):
        assert scores[metric].mean() == pytest.approx(row[f"{metric}_all77"], abs=1e-4)
