"""Bad input never gives a wrong answer: one row per bad input (pertpy-style tables).

Each row is a call that must fail with a message naming the problem (Python: a
``ValueError``; command line: exit code 2 and one ``pqstats CMD: error:`` line), plus a
few rows showing that the same checks let valid input through unchanged.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from pqstats import evaluation as ev
from pqstats import models
from pqstats._io import InputFileError, read_gene_list, read_table
from pqstats.cli import main
from pqstats.enrichment import EnrichmentWarning, ora
from pqstats.prioritise import simulate_screen
from pqstats.summer.retrieve import ExampleRetriever


# --------------------------------------------------------------------------- fixtures
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


# ------------------------------------------------------------- 1. metrics check input
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


# ------------------------------------------------- 2. test labels never reach selection
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


# ----------------------------------------------- 3. enrichment that tests nothing says why
BG = [f"G{i}" for i in range(10)]
SETS = {"S1": ["G1", "G2", "G3"], "S2": ["G4", "G5", "G6", "G7"]}


@pytest.mark.parametrize(("genes", "sets", "kwargs", "message"), [
    (["X1", "X2", "X3"], SETS, {}, r"3 of 3 query genes are not in the background of 10 "
                                   r"genes \(not tested\): X1, X2, X3.*nothing can be tested"),
    (["g1", "g2"], SETS, {}, r"2 of 2 query genes.*2 of them match a background gene except "
                             r"for case \('g1' ~ 'G1', 'g2' ~ 'G2'\)"),
    ({"a": ["X1"], "b": ["Y"]}, SETS, {}, r"genes of list 'a'.*genes of list 'b'.*no query "
                                          r"gene is in the background"),
    (["G1", "G2"], {"S": ["Z1", "Z2"], "T": ["Z3"]}, {},
     r"none of the 2 gene sets of gs_ind_0 shares a gene with the background of 10 genes"),
    (["G1", "G2"], SETS, {"min_size": 5},
     r"no gene set of gs_ind_0 has at least 5 genes in the background of 10 genes \(their "
     r"sizes there range 3-4\)"),
    (["G1", "G2"], SETS, {"min_size": 1, "max_size": 2}, r"has 1 and 2 genes"),
    (["G1"], {"lib": {}}, {}, r"hold no set"),
])
def test_ora_that_would_test_nothing_says_why(genes, sets, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ora(genes, sets, BG, **kwargs)


def test_ora_names_the_genes_it_drops_and_keeps_the_result():
    with pytest.warns(EnrichmentWarning, match=r"3 of 5 query genes are not in the background "
                                               r"of 10 genes \(not tested\): g3, X, Y; 1 of "
                                               r"them match.*'g3' ~ 'G3'"):
        res = ora(["G1", "G2", "g3", "X", "Y"], SETS, BG)
    assert res.attrs["queries"][0]["n_in_background"] == 2
    assert res.set_index("Term").loc["S1", "k"] == 2  # the two known genes are tested


def _gmt(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "error", "message"), [
    ("", InputFileError, r"empty\.gmt: holds no gene set.*expected a GMT file"),
    ("\n\n  \n", InputFileError, r"holds no gene set"),
    ("S1\tdesc\n", ValueError, r"empty\.gmt, line 1: a GMT line needs a name, a description "
                               r"and genes"),
    ("S1,desc,G1,G2\n", ValueError, r"line 1: a GMT line needs"),
])
def test_a_gmt_file_without_a_valid_set_is_named(tmp_path, text, error, message):
    path = _gmt(tmp_path, "empty.gmt", text)
    with pytest.raises(error, match=message):
        ora(["G1"], str(path), BG)


def test_a_gmt_file_gives_the_same_result_as_its_dict(tmp_path):
    path = _gmt(tmp_path, "mine.gmt", "".join(f"{t}\td\t" + "\t".join(g) + "\n"
                                             for t, g in SETS.items()))
    from_file = ora(["G1", "G2", "G4"], path, BG)
    from_dict = ora(["G1", "G2", "G4"], {"mine": SETS}, BG)
    pd.testing.assert_frame_equal(from_file, from_dict)


def test_cli_enrich_names_unknown_genes_and_refuses_a_list_it_cannot_test(tmp_path, capsys):
    gmt = _gmt(tmp_path, "sets.gmt", "S1\td\tG1\tG2\tG3\nS2\td\tG4\tG5\n")
    bg = _gmt(tmp_path, "bg.txt", " ".join(BG))
    genes = _gmt(tmp_path, "genes.txt", "G1 G2 tp53 g3\n")
    args = ["--background", str(bg), "--libraries", str(gmt), "--exact", "--json"]
    assert main(["enrich", str(genes), *args]) == 0
    err = capsys.readouterr().err
    assert ("pqstats enrich: warning: 2 of 4 query genes are not in the background of 10 "
            "genes (not tested): tp53, g3; 1 of them match a background gene except for case "
            "('g3' ~ 'G3')") in err
    _gmt(tmp_path, "genes.txt", "tp53 myc\n")
    assert main(["enrich", str(genes), *args]) == 2
    err = capsys.readouterr().err
    assert "pqstats enrich: error: 2 of 2 query genes are not in the background" in err
    _gmt(tmp_path, "sets.gmt", "")
    _gmt(tmp_path, "genes.txt", "G1\n")
    assert main(["enrich", str(genes), *args]) == 2
    assert "sets.gmt: holds no gene set" in capsys.readouterr().err


# ------------------------------------------------------------ 4. files in the wrong form
def _file(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


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
        path = _file(tmp_path, name, content)
    with pytest.raises(InputFileError, match=message):
        ev.read_predictions(path)


def test_headers_are_read_without_spaces_and_case(tmp_path):
    path = _file(tmp_path, "pred.txt", " Pert \tGENE\t Score\np\ta\t0.9\nq\t a \t1e-3\n")
    table = read_table(path, ["pert", "gene", "score"], numeric=["score"])
    assert list(table.columns) == ["pert", "gene", "score"]
    assert table["gene"].tolist() == ["a", "a"] and table["score"].tolist() == [0.9, 0.001]
    assert table.attrs["lines"] == [2, 3]


def test_cli_score_names_the_file_in_one_line(tmp_path, capsys):
    path = _file(tmp_path, "pred.csv", GOOD.replace(",", "\t"))
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


@pytest.mark.parametrize(("name", "content", "message"), [
    ("genes.txt", b"\x00\x01binary", r"genes\.txt: is a binary file \(it holds NUL bytes\), "
                                     r"not a gene list"),
    ("genes.txt", "# only a comment\n\n", r"no gene symbols found"),
    ("genes.txt", "TP53 MYC\nGAPDH 0.53\n", r"genes\.txt, line 2: '0\.53' is a number, not "
                                            r"a gene symbol"),
    ("genes.csv", "symbol_x,score\nTP53,1\n", r"has columns \['symbol_x', 'score'\] but none "
                                              r"named gene"),
    ("genes.csv", "gene\tscore\nTP53\t1\n", r"is tab-separated"),
])
def test_gene_list_files_in_the_wrong_form(tmp_path, name, content, message):
    with pytest.raises(InputFileError, match=message):
        read_gene_list(_file(tmp_path, name, content))


def test_gene_lists_from_text_and_tables_agree(tmp_path):
    text = read_gene_list(_file(tmp_path, "g.txt", "TP53, MYC;GAPDH\nMYC # again\n"))
    table = read_gene_list(_file(tmp_path, "g.csv", "Gene ,score\nTP53,1\nMYC,2\nGAPDH,3\n"))
    assert text == table == ["TP53", "MYC", "GAPDH"]


@pytest.mark.parametrize("command", [
    ["predict", "--cell-line", "k562", "--pert", "MYC", "--genes", "{f}"],
    ["prioritise", "--cell-line", "k562", "--candidates", "{f}"],
    ["enrich", "{f}"],
])
def test_every_command_reads_gene_files_the_same_way(tmp_path, capsys, command):
    path = _file(tmp_path, "genes.xlsx", b"PK\x03\x04 an Excel file")
    assert main([a.format(f=path) for a in command]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}: is a zip archive (an Excel .xlsx?), not a gene list" in err


# -------------------------------------------------- 5. a run on nothing overwrites nothing
@pytest.mark.parametrize(("argv", "message"), [
    (["benchmark", "--datasets", ""], r"argument --datasets: empty list ''"),
    (["benchmark", "--models", ""], r"argument --models: empty list"),
    (["benchmark", "--track", " "], r"argument --track: empty list"),
    (["benchmark", "--tasks", ","], r"argument --tasks: empty list"),
    (["benchmark", "--datasets", "k562,,rpe1"], r"'k562,,rpe1' has an empty element"),
    (["benchmark", "--datasets", "k562,"], r"has an empty element"),
    (["enrich", "x.txt", "--libraries", ""], r"argument --libraries: empty list"),
    (["gse", "--methods", ""], r"argument --methods: empty list"),
    (["summer", "run", "--tasks", ""], r"argument --tasks: empty list"),
    (["kg", "build", "--sources", "go,,ppi"], r"argument --sources: 'go,,ppi' has an empty"),
])
def test_cli_refuses_empty_selections(tmp_path, capsys, argv, message):
    sentinel = tmp_path / "benchmark.csv"
    sentinel.write_text("kept")
    assert main([*argv, *(["--out", str(tmp_path)] if argv[0] == "benchmark" else [])]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert sentinel.read_text() == "kept"


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


@contextmanager
def _model_server(fail_every: int):
    """A real local OpenAI-style server: request i fails (HTTP 500) when
    ``i % fail_every == 0``, else answers "Answer: Yes" or "Answer: No"."""
    count = {"posts": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._send(200, json.dumps({"data": [{"id": "fake"}]}).encode())

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                i = count["posts"]
                count["posts"] += 1
            if i % fail_every == 0:
                self._send(500, b"internal error")
            else:
                text = "Answer: Yes" if len(body["prompt"]) % 2 else "Answer: No"
                self._send(200, json.dumps({"choices": [{"text": text}]}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", count
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.integration
def test_summer_run_where_every_request_failed_writes_no_row(tmp_path, capsys):
    common = ["summer", "run", "--dataset", "k562", "--tasks", "de", "--n-pairs", "12",
              "--samples", "1", "--examples", "2", "--n-boot", "10", "--no-cache",
              "--retries", "0", "--concurrency", "1", "--out", str(tmp_path)]
    with _model_server(fail_every=1) as (url, count):
        rc = main([*common, "--server", url])
    err = capsys.readouterr().err
    assert rc == 2 and count["posts"] > 0
    assert "pqstats summer run: error: all " in err and "failed" in err
    assert "no row is written" in err
    assert not (tmp_path / "summer.csv").exists()
    # some requests failing is fine: counted abstentions, and a row
    with _model_server(fail_every=3) as (url, _):
        assert main([*common, "--server", url]) == 0
    table = pd.read_csv(tmp_path / "summer.csv")
    assert len(table) == 1 and "request faults" in table["note"].iloc[0]
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporaries
