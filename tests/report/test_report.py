"""The benchmark report: figures, the Markdown page, extra (Summer) rows, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pqstats.benchmark import RESULT_COLUMNS, run_benchmark
from pqstats.cli import main
from pqstats.evaluation import auc_per_gene
from pqstats.report import (
    FIGURE_DIR,
    best_models,
    knowledge_versions,
    per_gene_roc,
    plot_roc_curves,
    read_extra_results,
    write_report,
    write_results,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _results() -> pd.DataFrame:
    """A small benchmark table: 2 datasets x 2 tasks x 2 tracks x 2 models, one unavailable."""
    rng = np.random.default_rng(0)
    rows = []
    for d in ("k562", "k562_set"):
        for t in ("de", "dir"):
            for track in ("strict", "transfer"):
                for m, base in (("prior", 0.5), ("xgboost", 0.72)):
                    a = base + (0.03 if track == "transfer" and m != "prior" else 0.0)
                    a += float(rng.uniform(0, 0.01)) if m != "prior" else 0.0
                    rows.append({"dataset": d, "task": t, "track": track, "model": m,
                                 "auroc": a, "ci_low": a - 0.02, "ci_high": a + 0.02,
                                 "auprc": 0.6, "n_genes": 100, "seconds": 1.0, "note": ""})
    rows.append({"dataset": "jurkat", "task": "de", "track": "strict", "model": "",
                 "note": "unavailable: jurkat-de.csv is not in the mirror"})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _side_inputs(out):
    """The files other steps leave in results/: ablation, enrichment bench, GSE summary."""
    pd.DataFrame({
        "dataset": ["k562"] * 3, "task": ["de"] * 3, "model": ["logistic"] * 3,
        "ablation": ["full model", "without retrieval", "without GO space"],
        "auroc": [0.70, 0.52, 0.69], "ci_low": [0.68, 0.50, 0.67],
        "ci_high": [0.72, 0.54, 0.71], "seconds": [1.0] * 3, "delta": [0.0, -0.18, -0.01],
    }).to_csv(out / "ablation.csv", index=False)
    (out / "bench_enrichment.json").write_text(json.dumps({
        "clusters": 102, "libraries": {"go_bp": 1, "corum": 2}, "rows_pqstats": 1000,
        "rows_only_pqstats": 0, "rows_only_gseapy": 0, "seconds_pqstats": 2.5,
        "seconds_gseapy": 90.0, "speedup": 36.0, "versions": {"gseapy": "1.3.1"}}))
    pd.DataFrame({
        "kind": ["pert", "pert", "all", "all"], "method": ["baseline", "consensus"] * 2,
        "n_clusters": [52, 52, 77, 77], "rouge1_recall": [0.40, 0.48, 0.29, 0.40],
        "minilm_cosine": [0.52, 0.54, 0.44, 0.46],
    }).to_csv(out / "gse_summary.csv", index=False)


def _assert_png(path, min_bytes=10_000):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert len(data) > min_bytes, f"{path.name} is suspiciously small ({len(data)} bytes)"
    with Image.open(path) as img:
        width, height = img.size
        assert width > 400 and height > 200
        # not a blank canvas: several distinct colours
        assert len(img.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 10


def test_report_writes_figures_and_every_row(tmp_path):
    results = _results()
    _side_inputs(tmp_path)
    paths = write_report(results, tmp_path, roc=False)
    figs = tmp_path / FIGURE_DIR
    names = {p.name for p in figs.glob("*.png")}
    assert names == {"main_result.png", "auroc_k562.png", "auroc_k562_set.png",
                     "ablation.png", "enrichment.png"}
    for p in figs.glob("*.png"):
        _assert_png(p)
    assert set(paths[2:]) == set(figs.glob("*.png"))
    md = (tmp_path / "benchmark.md").read_text()
    for name in names:
        assert f"]({FIGURE_DIR}/{name})" in md  # embedded, relative links
    csv = pd.read_csv(tmp_path / "benchmark.csv", keep_default_na=False)
    assert len(csv) == len(results)
    for r in results[results.note == ""].itertuples():
        assert (f"| {r.dataset} | {r.task} | {r.track} | {r.model} | {r.auroc:.3f} | "
                f"[{r.ci_low:.3f}, {r.ci_high:.3f}] |") in md
    assert "GEARS (paper)" in md and "Summer (LLM) (paper)" in md and "CORE-Voting" in md
    assert "jurkat de: unavailable" in md


def test_report_lists_knowledge_versions_from_the_manifest(tmp_path):
    from pqstats.knowledge import SOURCES

    table = knowledge_versions()
    assert {"go", "gene2go", "gene_info", "corum", "string"} <= set(table.source)
    write_report(_results(), tmp_path, figures=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert "## Knowledge behind the models" in md
    for name in ("go", "corum", "reactome"):
        assert f"| {name} | {SOURCES[name].version} |" in md
    assert "| corum | 4.1 (2022-11-28) | **CC BY-NC 4.0 (NON-COMMERCIAL)** |" in md


def test_summer_rows_join_the_report_when_present(tmp_path):
    results = _results()
    write_report(results, tmp_path, roc=False)
    assert "summer" not in (tmp_path / "benchmark.md").read_text()
    summer = pd.DataFrame([
        {"dataset": "k562", "task": "de", "track": "strict", "model": "summer",
         "auroc": 0.6512, "ci_low": 0.62, "ci_high": 0.68, "auprc": 0.6, "n_genes": 50,
         "seconds": 100.0, "note": ""},
        {"dataset": "k562", "task": "dir", "track": "strict", "model": "summer",
         "auroc": 0.7034, "ci_low": 0.66, "ci_high": 0.74, "auprc": 0.8, "n_genes": 40,
         "seconds": 90.0, "note": ""},
    ])
    summer.to_csv(tmp_path / "summer.csv", index=False)
    before = (tmp_path / FIGURE_DIR / "auroc_k562.png").read_bytes()
    write_report(results, tmp_path, roc=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert "| k562 | de | strict | summer | 0.651 | [0.620, 0.680] |" in md
    assert "| summer | strict | 0.651 [0.620, 0.680] |" in md  # in the DE table
    assert "summer.csv" in md
    # the bar chart of K562 now has the summer bars; benchmark.csv is untouched
    assert (tmp_path / FIGURE_DIR / "auroc_k562.png").read_bytes() != before
    assert "summer" not in (tmp_path / "benchmark.csv").read_text()
    assert len(read_extra_results(tmp_path)) == 2


def test_extra_results_need_the_benchmark_columns(tmp_path):
    pd.DataFrame({"dataset": ["k562"], "score": [0.6]}).to_csv(tmp_path / "summer.csv",
                                                               index=False)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['auroc', 'model', 'task'"):
        read_extra_results(tmp_path)


def test_report_is_idempotent_and_atomic(tmp_path):
    results = _results()
    _side_inputs(tmp_path)
    write_report(results, tmp_path, roc=False)
    first = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    write_report(results, tmp_path, roc=False)
    second = {p.name: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first == second  # same inputs, same bytes (PNGs carry no timestamp)
    assert not [p for p in tmp_path.rglob(".*") if p.name.endswith(".tmp")]


def test_failed_figure_leaves_the_previous_file(tmp_path, monkeypatch):
    import pqstats.report.figures as figures

    results = _results()
    write_report(results, tmp_path, roc=False)
    main_png = tmp_path / FIGURE_DIR / "main_result.png"
    before = main_png.read_bytes()

    def broken(fig, path):
        def write(tmp):
            tmp.write_bytes(b"half a png")
            raise OSError("disk full")
        return figures.atomic_write(path, write)

    monkeypatch.setattr(figures, "_save", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(results.assign(auroc=results.auroc - 0.01), tmp_path, roc=False)
    assert main_png.read_bytes() == before
    assert not [p for p in tmp_path.rglob(".*") if p.name.endswith(".tmp")]


def test_per_gene_roc_area_is_the_metric(toy_pairs):
    rng = np.random.default_rng(1)
    test = toy_pairs[toy_pairs.split == "test"].reset_index(drop=True)
    scores = test.label * 0.6 + rng.uniform(size=len(test))
    fpr, tpr, n_genes = per_gene_roc(test, scores, grid=2001)
    assert n_genes == test.groupby("gene").label.nunique().eq(2).sum()
    assert np.all(np.diff(tpr) >= -1e-12) and tpr[0] == 0 and tpr[-1] == pytest.approx(1)
    area = float(np.sum((tpr[1:] + tpr[:-1]) / 2 * np.diff(fpr)))
    assert area == pytest.approx(auc_per_gene(test, scores), abs=2e-3)


def test_roc_figure(tmp_path, toy_pairs):
    test = toy_pairs[toy_pairs.split == "test"]
    scores = np.random.default_rng(2).uniform(size=len(test))
    fpr, tpr, n = per_gene_roc(test, scores)
    curves = {("k562", "de"): ("xgboost", 0.7, fpr, tpr, n),
              ("rpe1", "dir"): ("logistic", 0.6, fpr, tpr, n)}
    _assert_png(plot_roc_curves(curves, tmp_path / "roc.png"))
    assert plot_roc_curves({}, tmp_path / "none.png") is None


def test_best_models_per_cell():
    best = best_models(_results())
    assert best[("k562", "de")] == "xgboost" and len(best) == 4


def test_cli_report_redraws_from_results(tmp_path, capsys):
    write_report(_results(), tmp_path, figures=False)
    (tmp_path / "benchmark.md").unlink()
    assert main(["report", "--out", str(tmp_path), "--no-roc", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert str(tmp_path / "benchmark.md") in written
    assert (tmp_path / FIGURE_DIR / "main_result.png").is_file()
    assert main(["report", "--out", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("pqstats report: error:") and "pqstats benchmark" in err[0]


def test_cli_help_lists_every_command_with_a_purpose(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("fetch", "kg", "models", "cv", "benchmark", "report", "score", "enrich",
                    "gse"):
        line = next(x for x in out.splitlines() if x.strip().startswith(command + " "))
        assert len(line.split(None, 1)[1]) > 15, line  # name and purpose on one line


@pytest.mark.integration
def test_benchmark_writes_roc_curves_from_its_own_scores(tmp_path):
    scores: dict = {}
    results = run_benchmark(datasets=["k562_set"], tasks=["dir"], models=["random", "prior"],
                            n_boot=20, progress=False, scores_out=scores)
    assert set(scores) == {("k562_set", "dir", "strict", "random"),
                           ("k562_set", "dir", "strict", "prior")}
    paths = write_results(results, tmp_path, figures=True, scores=scores)
    roc = tmp_path / FIGURE_DIR / "roc_curves.png"
    assert roc in paths
    _assert_png(roc)
    assert "roc_curves.png" in (tmp_path / "benchmark.md").read_text()


@pytest.mark.integration
def test_cli_fetch_json_is_machine_readable(capsys):
    assert main(["fetch", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["k562-de.csv"]["ok"] is True
    assert status["k562-de.csv"]["detail"].endswith("k562-de.csv")


@pytest.mark.integration
def test_cross_validation_with_progress_bar_gives_the_same_folds():
    import pqstats

    train = pqstats.load_dir("k562_set").query("split == 'train'").reset_index(drop=True)
    model = pqstats.models.get("random")
    quiet, oof_quiet = pqstats.cross_validate(model, train, folds=3)
    shown, oof_shown = pqstats.cross_validate(model, train, folds=3, progress=True)
    pd.testing.assert_frame_equal(quiet, shown)
    np.testing.assert_array_equal(oof_quiet, oof_shown)


def test_extra_rows_need_only_the_key_columns(tmp_path):
    pd.DataFrame({"dataset": ["rpe1"], "task": ["dir"], "track": ["strict"],
                  "model": ["summer"], "auroc": [0.66]}).to_csv(tmp_path / "summer.csv",
                                                                  index=False)
    write_report(_results(), tmp_path, roc=False)
    md = (tmp_path / "benchmark.md").read_text()
    assert "| rpe1 | dir | strict | summer | 0.660 | – | – | – | – |" in md
    assert "| summer | strict | – | 0.660 | – |" in md  # Dir table: k562, rpe1, hepg2
    assert (tmp_path / FIGURE_DIR / "auroc_rpe1.png").is_file()


@pytest.mark.integration
def test_gse_progress_bar_changes_nothing(capsys):
    from pqstats.enrichment import k562_background, load_libraries, run_gse

    libs = load_libraries(["hallmark"], k562_background())
    kw = dict(kinds=("gene",), methods=("pvalue",), semantic=False, top_grid=(1,),
              libraries=libs)
    quiet = run_gse(**kw)
    shown = run_gse(**kw, progress=True)
    assert "gse" in capsys.readouterr().err  # the bar went to stderr
    for a, b in zip(quiet, shown, strict=True):
        pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------- invalid input: results of nothing
@pytest.mark.parametrize(("results", "message"), [
    (pd.DataFrame(columns=["dataset", "task", "auroc", "note"]), r"the results table is empty"),
    (pd.DataFrame({"dataset": ["jurkat"], "task": ["de"], "track": ["strict"], "model": [""],
                   "auroc": [np.nan], "note": ["unavailable: jurkat-de.csv"]}),
     r"none of the 1 result rows is a scored cell \(e\.g\. unavailable: jurkat-de\.csv\)"),
])
def test_write_results_refuses_to_overwrite_with_nothing(tmp_path, results, message):
    from pqstats.report import write_results

    (tmp_path / "benchmark.csv").write_text("earlier results")
    with pytest.raises(ValueError, match=message + ".*left as they were"):
        write_results(results, tmp_path)
    assert (tmp_path / "benchmark.csv").read_text() == "earlier results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["benchmark.csv"]
