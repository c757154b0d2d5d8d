"""Summer's scoring on real K562 pairs with a scripted model: two-stage answers,
abstentions, the fallback, the strict-track retrieval and the leakage invariant."""

from __future__ import annotations

import json
import threading
import warnings
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from pqstats.cli import main
from pqstats.summer import LLMFaultWarning, SummerConfig, SummerPredictor, write_summer
from pqstats.summer.clients import LLMClient, _Fault
from pqstats.summer.run import sample_test_pairs

pytestmark = pytest.mark.integration


class Scripted(LLMClient):
    """Answers by rule: reasoning with or without a final answer, faults on request."""

    model = "scripted"

    def __init__(self, rule, **kw):
        super().__init__(cache=False, **kw)
        self.rule = rule
        self.prompts: list[str] = []

    def _request(self, prompt, params):
        self.prompts.append(prompt)
        return self.rule(prompt, params)


def _query(prompt: str) -> tuple[str, str]:
    line = [x for x in prompt.splitlines() if x.startswith("Question: when ")][0]
    pert = line.split("when ")[1].split(" is knocked")[0]
    gene = line.split("the gene ")[1].split(" ")[0]
    return pert, gene


@pytest.fixture(scope="module")
def k562():
    from pqstats.features.pairs import load_graph
    from pqstats.screens import load_pairs

    return load_pairs("k562", "de"), load_graph()


def test_sample_is_all_test_pairs_of_scorable_genes(k562):
    pairs, _ = k562
    sample = sample_test_pairs("k562", "de", 120, seed=3)
    test = pairs[pairs["split"] == "test"]
    assert 100 <= len(sample) <= 120 and (sample["split"] == "test").all()
    for gene, grp in sample.groupby("gene"):
        assert grp["label"].nunique() == 2  # the per-gene AUROC is defined
        assert len(grp) == (test["gene"] == gene).sum()  # all of the gene's test pairs
    pd.testing.assert_frame_equal(sample, sample_test_pairs("k562", "de", 120, seed=3))


def test_examples_come_only_from_training_pairs_of_other_perturbations(k562):
    pairs, kg = k562
    train = pairs[pairs["split"] == "train"]
    test_perts = set(pairs.loc[pairs["split"] == "test", "pert"])
    train_pairs = set(zip(train["pert"], train["gene"], strict=True))
    model = SummerPredictor(Scripted(lambda p, q: "x"), "k562", "de", kg=kg,
                            config=SummerConfig(n_examples=10)).fit(train)
    queries = sample_test_pairs("k562", "de", 40)
    for row in queries.itertuples():
        ex = model.retriever_.retrieve(row.pert, row.gene)
        assert len(ex) == 10
        assert set(zip(ex["pert"], ex["gene"], strict=True)) <= train_pairs
        assert row.pert not in set(ex["pert"]) and not set(ex["pert"]) & test_perts
        truth = train.set_index(["pert", "gene"])["label"]
        assert (truth.loc[list(zip(ex["pert"], ex["gene"], strict=True))].to_numpy()
                == ex["label"].to_numpy()).all()
    with pytest.raises(ValueError, match=r"test rows \(split == .test.\)"):
        SummerPredictor(Scripted(lambda p, q: "x"), "k562", "de", kg=kg).fit(pairs)


def test_scores_mean_of_answers_two_stage_abstain_and_fallback(k562):
    pairs, kg = k562
    train = pairs[pairs["split"] == "train"]
    queries = sample_test_pairs("k562", "de", 30).head(4)[["pert", "gene"]]
    p0, p1, p2, p3 = [tuple(r) for r in queries.itertuples(index=False)]

    def rule(prompt, params):
        query = _query(prompt)
        stage_two = prompt.endswith(" is") and "\nSo:\n- knockdown of" in prompt
        if query == p0:  # always says yes in the reasoning
            return "They share a pathway.\nAnswer: Yes"
        if query == p1:  # reasoning without an answer; the second stage says no
            return " not differentially expressed" if stage_two else "Both are in translation"
        if query == p2:  # sample 0 yes, sample 1 no, sample 2 unparseable twice
            if stage_two:
                return " perhaps"
            return ["Answer: Yes", "Answer: No", "I am not sure"][params.seed]
        raise _Fault("timeout", "scripted timeout")  # p3: every request fails

    client = Scripted(rule, retries=0)
    model = SummerPredictor(client, "k562", "de", kg=kg, config=SummerConfig(
        n_samples=3, n_examples=4)).fit(train)
    with pytest.warns(LLMFaultWarning, match="3 requests .* failed while scoring 4 pairs"):
        scored = model.score(queries)
    assert scored["score"].tolist() == [1.0, 0.0, 0.5, 0.5]
    assert scored["n_abstained"].tolist() == [0, 0, 1, 3]
    assert scored["fallback"].tolist() == [False, False, False, True]
    assert scored["second_stage"].tolist() == [0, 3, 1, 0]
    assert client.stats["timeout"] == 3
    # labels never reach a prompt
    assert not any("label" in p for p in client.prompts)


def test_a_pairs_score_does_not_depend_on_the_other_pairs(k562):
    pairs, kg = k562
    train = pairs[pairs["split"] == "train"]
    queries = sample_test_pairs("k562", "de", 30)[["pert", "gene"]]

    def rule(prompt, params):  # deterministic in the prompt text alone
        return "Answer: Yes" if hash(prompt) % 3 else "Answer: No"

    config = SummerConfig(n_samples=2, n_examples=5)
    together = SummerPredictor(Scripted(rule), "k562", "de", kg=kg, config=config).fit(train)
    alone = SummerPredictor(Scripted(rule), "k562", "de", kg=kg, config=config).fit(train)
    all_scores = together.score(queries)["score"].to_numpy()
    one = alone.score(queries.iloc[[7]])["score"].to_numpy()
    assert one[0] == all_scores[7]
    p_all = together.prompts(queries)[7].text()
    assert p_all == alone.prompts(queries.iloc[[7]])[0].text()


def test_write_summer_keeps_other_models_rows(tmp_path):
    from pqstats.evaluation import RESULT_COLUMNS

    def row(model, auroc):
        return {"dataset": "k562", "task": "de", "track": "strict", "model": model,
                "auroc": auroc, "ci_low": 0.4, "ci_high": 0.6, "auprc": 0.2, "n_genes": 9,
                "seconds": 1.0, "note": "sample: 20 test pairs", "pooled_auroc": 0.5}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_summer([row("summer[a]", 0.51)], None, tmp_path)
        write_summer([row("summer[b]", 0.52)], None, tmp_path)
        write_summer([row("summer[a]", 0.55)], None, tmp_path)
    table = pd.read_csv(tmp_path / "summer.csv")
    assert list(table.columns) == RESULT_COLUMNS
    assert dict(zip(table["model"], table["auroc"], strict=True)) == {"summer[b]": 0.52,
                                                                      "summer[a]": 0.55}
    assert "summer[a]" in (tmp_path / "summer.md").read_text()
    assert np.isfinite(table["auroc"]).all()


def test_cli_prints_a_prompt_without_a_model(capsys):
    from pqstats.cli import main

    # RPL10: a readout the K562 screen measured (RPL3 is not one, and is refused)
    assert main(["summer", "prompt", "MYC", "RPL10", "--task", "dir", "--examples", "3"]) == 0
    text = capsys.readouterr().out
    assert "Question: when MYC is knocked down by CRISPRi, the gene RPL10" in text
    assert text.count("\n- knockdown of ") == 3 and text.rstrip().endswith("Reasoning:")


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
