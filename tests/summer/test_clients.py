"""Fault injection for the Summer HTTP client: every fault is a counted abstention.

The fake servers here only inject faults (and count requests); the client's behaviour
against a real model server is tested in ``tests/summer/test_model.py``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import warnings
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pqstats.summer.clients import (
    GenerationParams,
    HTTPClient,
    LLMFaultWarning,
    LLMUnavailableError,
    ResponseCache,
)

P = GenerationParams(max_tokens=4, temperature=0.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fake_server(reply):
    """A local server whose POST answer is ``reply(handler, body) -> (status, bytes)``."""
    state = {"posts": 0, "in_flight": 0, "max_in_flight": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # /v1/models
            data = json.dumps({"data": [{"id": "fake-model"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                state["posts"] += 1
                state["in_flight"] += 1
                state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
            try:
                status, data = reply(self, body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with lock:
                    state["in_flight"] -= 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def ok(text="Answer: Yes"):
    def reply(handler, body):
        time.sleep(0.05)
        return 200, json.dumps({"choices": [{"text": f"{text} ({body['prompt']})"}]}).encode()
    return reply


def client(url, tmp_path, **kw):
    kw.setdefault("timeout", 2.0)
    kw.setdefault("retries", 1)
    kw.setdefault("backoff", 0.01)
    return HTTPClient(url, model="fake", cache=ResponseCache(tmp_path / "cache"), **kw)


def run(c, prompts):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = c.generate(prompts, P)
    return out, [w for w in caught if issubclass(w.category, LLMFaultWarning)]


def test_server_down_gives_abstentions_a_count_and_a_warning(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens
    c = client(url, tmp_path, retries=2)
    out, warned = run(c, ["a", "b"])
    assert out == [None, None]
    assert c.stats["unreachable"] == 2 and c.stats["faults"] == 2
    assert c.stats["requests"] == 6  # 1 + 2 retries each, then give up
    assert len(warned) == 1 and "2 of 2 requests" in str(warned[0].message)
    assert "abstentions" in str(warned[0].message)
    with pytest.raises(LLMUnavailableError, match=url.replace(".", r"\.") + ".*Fix: start one"):
        c.check(timeout=1)


def test_timeout_is_an_abstention(tmp_path):
    def slow(handler, body):
        time.sleep(1.5)
        return 200, b'{"choices": [{"text": "late"}]}'

    with fake_server(slow) as (url, state):
        c = client(url, tmp_path, timeout=0.3, retries=1)
        t0 = time.perf_counter()
        out, warned = run(c, ["a"])
        assert time.perf_counter() - t0 < 1.4  # did not wait for the slow reply
    assert out == [None] and c.stats["timeout"] == 1 and len(warned) == 1
    assert state["posts"] == 2  # bounded: one retry


@pytest.mark.parametrize("status, data, kind", [
    (200, b"<html>not json</html>", "malformed"),
    (200, b'{"choices": []}', "malformed"),
    (200, b'{"result": "no choices field"}', "malformed"),
    (200, b'{"choices": [{"text": 42}]}', "malformed"),
    (200, b"", "empty"),
    (200, b'{"choices": [{"text": "   "}]}', "empty"),
    (500, b"internal error", "http_error"),
    (400, b"prompt too long", "error"),
])
def test_bad_replies_are_counted_abstentions(tmp_path, status, data, kind):
    with fake_server(lambda h, b: (status, data)) as (url, state):
        c = client(url, tmp_path, retries=1)
        out, warned = run(c, ["a", "b", "c"])
    assert out == [None, None, None]
    assert c.stats[kind] == 3 and c.stats["faults"] == 3 and c.stats["answered"] == 0
    assert len(warned) == 1 and kind in str(warned[0].message)
    retried = kind in ("malformed", "http_error")
    assert state["posts"] == (6 if retried else 3)
    assert len(c.cache) == 0  # faults are not cached: the next run asks again


def test_mixed_faults_keep_the_good_answers(tmp_path):
    def flaky(handler, body):
        return (200, b"garbage") if body["prompt"] == "bad" else ok()(handler, body)

    with fake_server(flaky) as (url, _):
        c = client(url, tmp_path, retries=0)
        out, warned = run(c, ["x", "bad", "y"])
    assert out[0] == "Answer: Yes (x)" and out[1] is None and out[2] == "Answer: Yes (y)"
    assert c.stats["answered"] == 2 and c.stats["malformed"] == 1 and len(warned) == 1


def test_cache_makes_a_rerun_free_and_concurrency_is_bounded(tmp_path):
    with fake_server(ok()) as (url, state):
        c = client(url, tmp_path, concurrency=2)
        prompts = [f"p{i}" for i in range(8)]
        first, warned = run(c, prompts)
        assert warned == [] and first == [f"Answer: Yes (p{i})" for i in range(8)]
        assert state["posts"] == 8 and state["max_in_flight"] == 2
        again = client(url, tmp_path, concurrency=2)
        assert again.generate(prompts, P) == first
        assert state["posts"] == 8  # nothing sent
        assert again.stats["cache_hits"] == 8 and again.stats["requests"] == 0
        # another sample index or seed is another request
        again.generate(["p0"], GenerationParams(max_tokens=4, temperature=0.0, sample=1))
        assert state["posts"] == 9


def test_model_name_comes_from_the_server_when_not_given(tmp_path):
    with fake_server(ok()) as (url, _):
        c = HTTPClient(url + "/v1/", cache=False)
        assert c.url == url and c.model == "fake-model"


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://host", "http://", "", "localhost"])
def test_bad_url_is_a_clear_error(url):
    with pytest.raises(ValueError, match="bad server URL"):
        HTTPClient(url)


def test_prompt_kind_must_match_the_endpoint(tmp_path):
    c = HTTPClient("http://127.0.0.1:9", model="m", cache=False)
    with pytest.raises(TypeError, match="completions endpoint takes text"):
        c.generate([[{"role": "user", "content": "hi"}]])
    chat = HTTPClient("http://127.0.0.1:9", model="m", endpoint="chat", cache=False)
    with pytest.raises(TypeError, match="chat endpoint"):
        chat.generate(["hi"])
    with pytest.raises(ValueError, match="unknown endpoint"):
        HTTPClient("http://127.0.0.1:9", endpoint="embeddings")


# ------------------------------------------------------------------ command line
@pytest.mark.parametrize("args, message", [
    (["--server", "http://127.0.0.1:{port}"], "no OpenAI-compatible server answers at "
                                              "http://127.0.0.1:{port}"),
    (["--server", "localhost:8080"], "bad server URL"),
    (["--model", "{tmp}/missing.gguf"], "missing.gguf does not exist"),
    (["--model", "{tmp}/notes.gguf"], "is not a GGUF model file"),
    (["--tasks", "de,fold"], "unknown task fold"),
    (["--dataset", "mouse"], "unknown screen 'mouse'"),
])
def test_cli_bad_backend_or_input_is_one_clear_line(tmp_path, capsys, args, message):
    from pqstats.cli import main

    port = free_port()
    (tmp_path / "notes.gguf").write_text("not a model")
    args = [a.format(port=port, tmp=tmp_path) for a in args]
    rc = main(["summer", "run", "--no-cache", "--out", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert rc == 2
    assert message.format(port=port) in err
    assert "Traceback" not in err
