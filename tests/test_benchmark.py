"""The benchmark harness and the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pqstats import models
from pqstats.benchmark import RESULT_COLUMNS, run_benchmark
from pqstats.cli import main
from pqstats.report import write_results
from pqstats.screens import load_dir


@pytest.mark.integration
def test_benchmark_rows_and_unavailable_dataset(tmp_path, jurkat_absent):
    res = run_benchmark(datasets=["k562_set", "jurkat"], tasks=["dir"],
                        models=["prior", "gene_frequency", "random"], n_boot=50,
                        progress=False)
    assert list(res.columns) == RESULT_COLUMNS
    ok = res[res.note == ""]
    assert ok.set_index("model").loc[["prior", "gene_frequency"], "auroc"].tolist() == [0.5, 0.5]
    jurkat = res[res.dataset == "jurkat"]
    assert len(jurkat) == 1 and jurkat.note.iloc[0].startswith(
        "unavailable: screen 'jurkat' is unavailable here: jurkat-dir.csv")
    csv, md = write_results(res, tmp_path)
    assert pd.read_csv(csv).shape == res.shape
    text = md.read_text()
    assert "Summer (LLM) (paper)" in text and "jurkat dir: unavailable" in text
    # result files are committed: the note names the file, not where this machine looked
    import os

    mirror = os.environ["PQSTATS_MIRROR"]
    assert mirror not in jurkat.note.iloc[0] and mirror not in text
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporaries


@pytest.mark.integration
def test_benchmark_screens_in_parallel_give_the_same_rows_and_scores():
    # two screens in two processes: the same cells, in the same order, with the same
    # scores (a deterministic and a seeded model; seconds aside), as one after the other
    kw = {"datasets": ["k562_set", "jurkat", "rpe1"], "tasks": ["dir"],
          "models": ["gene_frequency", "random"], "n_boot": 50, "progress": False,
          "seeds": 2, "cache": False}
    one, two = {}, {}
    serial = run_benchmark(scores_out=one, **kw)
    parallel = run_benchmark(scores_out=two, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(serial.drop(columns="seconds"),
                                  parallel.drop(columns="seconds"))
    assert one.keys() == two.keys() and len(one) == 6  # 3 screens x 2 models
    for key, scores in one.items():
        assert (scores == two[key]).all()
    with pytest.raises(ValueError, match="n_jobs"):
        run_benchmark(n_jobs=0, **kw)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"datasets": ["k563"]}, r"unknown screen 'k563'; did you mean k562\?"),
    ({"tasks": ["up"]}, r"unknown task"),
    ({"tracks": ["loose"]}, r"unknown track"),
    ({"models": ["gpt"]}, r"unknown model"),
])
def test_benchmark_rejects_unknown_names(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_benchmark(progress=False, **kwargs)


def test_cli_models_lists_registry(capsys):
    assert main(["models", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {"prior", "random", "gene_frequency"} <= set(entries)


def test_cli_errors_are_one_line_with_hint(capsys):
    assert main(["benchmark", "--datasets", "k563"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("pqstats benchmark: error: unknown screen 'k563'")
    assert err[1] == "hint: `pqstats screen list` shows the registered screens"
    assert err[1].startswith("hint:") and len(err) == 2


@pytest.mark.integration
def test_cli_score_roundtrip(tmp_path, capsys):
    test = load_dir("k562").query("split == 'test'")
    path = tmp_path / "pred.csv"
    test[["pert", "gene"]].assign(score=0.3).to_csv(path, index=False)
    assert main(["score", str(path), "--dataset", "k562", "--task", "dir", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["auroc"] == 0.5
    test[["pert", "gene"]].iloc[5:].assign(score=0.3).to_csv(path, index=False)
    assert main(["score", str(path), "--dataset", "k562", "--task", "dir"]) == 2
    assert "have no prediction" in capsys.readouterr().err


@pytest.mark.integration
def test_cli_benchmark_writes_results(tmp_path, capsys):
    rc = main(["benchmark", "--datasets", "k562_set", "--tasks", "de", "--models", "prior",
               "--n-boot", "20", "--out", str(tmp_path), "--json"])
    assert rc == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["auroc"] == 0.5
    assert (tmp_path / "benchmark.csv").is_file() and (tmp_path / "benchmark.md").is_file()


@pytest.mark.integration
def test_ablation_reports_deltas_against_the_full_model():
    from pqstats.benchmark import ablation_markdown, run_ablation

    table = run_ablation(datasets=["k562_set"], tasks=["dir"], model="logistic", n_boot=20,
                         progress=False,
                         ablations={"full model": {}, "graph only": {"feature_groups": ("graph",)}})
    assert table.ablation.tolist() == ["full model", "graph only"]
    assert table.delta.iloc[0] == 0.0
    assert table.delta.iloc[1] == pytest.approx(table.auroc.iloc[1] - table.auroc.iloc[0])
    text = ablation_markdown(table)
    assert "| graph only |" in text and "k562_set DIR" in text
    with pytest.raises(ValueError, match="full model"):
        run_ablation(datasets=["k562_set"], tasks=["dir"], ablations={"x": {}}, progress=False)


@pytest.mark.integration
def test_benchmark_cache_reuses_scores_only_for_identical_inputs(counted_fits):
    import pqstats.benchmark as bm

    calls = counted_fits
    kw = dict(datasets=["k562_set"], tasks=["dir"], models=["random"], n_boot=10,
              progress=False, seeds=1)
    first = bm.run_benchmark(**kw)
    second = bm.run_benchmark(**kw)
    assert calls == ["random"]
    pd.testing.assert_frame_equal(first, second)
    bm.run_benchmark(**kw, cache=False)
    assert calls == ["random", "random"]


@pytest.mark.integration
def test_benchmark_ensemble_averages_its_members_own_fits(counted_fits):
    import pqstats.benchmark as bm
    from pqstats.screens import load_pairs

    kw = dict(datasets=["k562_set"], tasks=["dir"], n_boot=10, progress=False, seeds=1)
    members: dict = {}
    bm.run_benchmark(models=["logistic", "xgboost"], scores_out=members, **kw)
    assert counted_fits == ["logistic", "xgboost"]
    pairs = load_pairs("k562_set", "dir")
    mean = (members[("k562_set", "dir", "strict", "logistic")]
            + members[("k562_set", "dir", "strict", "xgboost")]) / 2
    np.testing.assert_allclose(bm.cached_scores("ensemble", "k562_set", "dir", "strict",
                                                pairs), mean, rtol=0, atol=1e-12)
    kept: dict = {}
    bm.run_benchmark(models=["ensemble"], scores_out=kept, **kw)
    assert counted_fits == ["logistic", "xgboost"]  # the members' cached fits, not new ones
    train, test = pairs[pairs["split"] == "train"], pairs[pairs["split"] == "test"]
    direct = models.get_for("ensemble", "k562_set", "dir").fit(
        train[["pert", "gene"]], train["label"].to_numpy()).score_pairs(test[["pert", "gene"]])
    np.testing.assert_allclose(kept[("k562_set", "dir", "strict", "ensemble")], direct,
                               rtol=1e-6, atol=1e-7)
    # without the cache, each member is still fitted once per seed
    bm.run_benchmark(models=["ensemble", "logistic", "xgboost"], cache=False,
                     **{**kw, "seeds": 2})
    assert counted_fits[2:] == ["logistic", "xgboost", "xgboost"]


@pytest.mark.integration
def test_cli_cv_and_grid(capsys):
    assert main(["cv", "--dataset", "k562_set", "--task", "dir", "--model", "random",
                 "--folds", "3", "--json"]) == 0
    folds = json.loads(capsys.readouterr().out)
    assert [f["fold"] for f in folds] == [0, 1, 2]
    assert main(["cv", "--dataset", "k562_set", "--task", "dir", "--model", "gene_frequency",
                 "--folds", "3", "--grid", "smoothing=0,1", "--json"]) == 0
    grid = json.loads(capsys.readouterr().out)
    assert sorted(g["smoothing"] for g in grid) == [0, 1]
    assert main(["cv", "--dataset", "k562_set", "--task", "dir", "--model", "random",
                 "--grid", "seed"]) == 2
    assert "NAME=V1,V2" in capsys.readouterr().err


@pytest.mark.integration
def test_cli_benchmark_writes_comparisons_and_protocols(tmp_path, capsys):
    """On the real k562_set tables: the best-vs-next-best tests and the literature's
    protocols come from the run's own scores, and `pqstats report` redraws them."""
    from pqstats.best_cells import COMPARISON_COLUMNS, PROTOCOL_COLUMNS

    rc = main(["benchmark", "--datasets", "k562_set", "--models", "random,gene_frequency",
               "--n-boot", "50", "--seeds", "1", "--no-figures", "--no-oracles",
               "--out", str(tmp_path)])
    assert rc == 0
    cmp = pd.read_csv(tmp_path / "comparisons.csv")
    assert list(cmp.columns) == COMPARISON_COLUMNS and len(cmp) == 2
    assert cmp["note"].isna().all() and cmp["wilcoxon_p"].between(0, 1).all()
    proto = pd.read_csv(tmp_path / "protocols.csv")
    assert list(proto.columns) == PROTOCOL_COLUMNS
    assert list(proto["task"]) == ["de", "dir", "effect"]
    assert proto["pooled_auroc"].iloc[:2].between(0, 1).all()
    assert proto["macro_f1"].iloc[2] > 0
    md = (tmp_path / "benchmark.md").read_text()
    assert "## Best vs next best" in md and "other papers' protocols" in md
    def sections(text: str) -> str:
        return text.split("## Best vs next best")[1].split("## Knowledge")[0]

    assert main(["report", "--out", str(tmp_path), "--no-roc"]) == 0
    assert sections((tmp_path / "benchmark.md").read_text()) == sections(md)


# ----------------------------------------------------------------- invalid input: a run on nothing
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"datasets": []}, r"no screen selected"),
    ({"tasks": ()}, r"no task selected"),
    ({"models": []}, r"no model selected"),
    ({"tracks": []}, r"no track selected"),
])
def test_run_benchmark_refuses_empty_selections(kwargs, message):
    from pqstats.benchmark import run_benchmark

    with pytest.raises(ValueError, match=message):
        run_benchmark(progress=False, **kwargs)


def test_run_ablation_refuses_empty_selections():
    from pqstats.benchmark import run_ablation

    with pytest.raises(ValueError, match=r"no screen selected for the ablation"):
        run_ablation(datasets=[], progress=False)



@pytest.mark.parametrize(("call", "message"), [
    (lambda: _benchmark(n_boot=-1), r"n_boot must be at least 1, got -1"),
    (lambda: _benchmark(n_boot=True), r"n_boot must be a whole number, got True"),
])
def test_python_functions_refuse_numbers_out_of_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _benchmark(n_boot):
    from pqstats.benchmark import run_benchmark

    return run_benchmark(datasets=["k562_set"], tasks=["dir"], models=["prior"],
                         n_boot=n_boot, progress=False)


@pytest.mark.integration
def test_make_benchmark_writes_the_whole_benchmark_in_one_call(tmp_path, monkeypatch):
    """Fits, oracles, best cells, the learning curves and the report, each equal to the
    step run on its own (a small curve: knn_retrieval at sizes 0 and all)."""
    import pqstats.benchmark as bm
    from pqstats.learning_curve import learning_curve

    monkeypatch.setattr(bm, "CURVE_MODEL", "knn_retrieval")
    monkeypatch.setattr(bm, "CURVE_SIZES", (0, "all"))
    kw = dict(datasets=["hepg2"], tasks=["dir"], models=["gene_frequency", "knn_retrieval"],
              tracks=["strict"], n_boot=50)
    results, paths = bm.make_benchmark(tmp_path, **kw, figures=False, progress=False)
    curve_csv = tmp_path / "learning_curve" / "hepg2-dir" / "learning_curve.csv"
    assert {p.relative_to(tmp_path).as_posix() for p in paths} == {
        "benchmark.csv", "benchmark.md", "comparisons.csv", "protocols.csv",
        "learning_curve/hepg2-dir/learning_curve.csv"}
    assert (tmp_path / "oracles.csv").is_file() and curve_csv in paths
    assert not (tmp_path / "figures").exists()  # figures=False draws nothing
    pd.testing.assert_frame_equal(results.drop(columns="seconds"),
                                  run_benchmark(**kw, progress=False).drop(columns="seconds"))
    expected = learning_curve("hepg2", "dir", "knn_retrieval", sizes=[0, "all"])
    pd.testing.assert_frame_equal(pd.read_csv(curve_csv, dtype={"size": str}), expected,
                                  check_exact=False, rtol=1e-9)
    md = (tmp_path / "benchmark.md").read_text()
    assert "Learning curves" in md and "| hepg2-dir |" in md
    assert "## Best vs next best" in md and "## Oracle headroom" in md
    # without curves: no learning-curve folder, and `pqstats benchmark` is this function
    out = tmp_path / "cli"
    assert main(["benchmark", "--datasets", "hepg2", "--tasks", "dir", "--models",
                 "gene_frequency,knn_retrieval", "--n-boot", "50", "--no-figures",
                 "--out", str(out)]) == 0
    assert not (out / "learning_curve").exists()
    pd.testing.assert_frame_equal(pd.read_csv(out / "benchmark.csv").drop(columns="seconds"),
                                  pd.read_csv(tmp_path / "benchmark.csv").drop(columns="seconds"))
