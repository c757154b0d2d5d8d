"""Language-model clients with one calling convention, an on-disk cache and fault counting.

Two backends answer the same :meth:`LLMClient.generate` call:

:class:`HTTPClient`
    Any OpenAI-compatible server: ``POST /v1/completions`` (plain text prompts; the right
    choice for base models) or ``POST /v1/chat/completions`` (messages; instruction-tuned
    models). Works with llama.cpp's ``llama-server``, ``python -m llama_cpp.server``,
    vLLM and ollama. Timeouts, bounded retries with exponential backoff, and a thread
    pool that keeps at most ``concurrency`` requests in flight.
:class:`LlamaCppClient`
    A GGUF model loaded in this process by ``llama-cpp-python`` (one request at a time).

Cache
    Every reply is stored as one JSON file under ``data_dir()/cache/llm/`` (written
    atomically, the moment it arrives), keyed by the sha256 of (model, endpoint kind,
    prompt or messages, generation parameters including the sample index and seed). An
    interrupted run therefore resumes where it stopped, and a rerun sends no request.
    Only non-empty replies are cached, so failed requests are retried by the next run.

Faults
    A server that is down, a timeout, an HTTP error, a malformed (non-JSON or wrongly
    shaped) or empty reply never raises: the request's answer is ``None`` (the caller
    counts it as an abstention), :attr:`LLMClient.stats` counts it by kind, each fault is
    logged (level INFO, logger ``pqstats.summer.clients``), and one
    :class:`LLMFaultWarning` per :meth:`~LLMClient.generate` call sums them up. Only
    :meth:`HTTPClient.check` raises (:class:`LLMUnavailableError`): the command line
    calls it first, so that a wrong URL stops the run with a clear message instead of
    turning every answer into an abstention.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pqstats._io import atomic_write_text

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "GenerationParams",
    "Prompt",
    "ResponseCache",
    "LLMClient",
    "HTTPClient",
    "LlamaCppClient",
    "LLMUnavailableError",
    "LLMFaultWarning",
    "default_cache_dir",
    "default_threads",
]

log = logging.getLogger(__name__)

#: Endpoint kinds: plain-text completion or chat messages.
ENDPOINTS: tuple[str, ...] = ("completions", "chat")
#: Kinds of fault counted in :attr:`LLMClient.stats`.
FAULT_KINDS: tuple[str, ...] = ("unreachable", "timeout", "http_error", "malformed", "empty",
                                "error")
_RETRYABLE = frozenset({"unreachable", "timeout", "http_error", "malformed"})

#: A prompt: plain text (``completions``) or a list of ``{"role", "content"}`` messages
#: (``chat``).
Prompt = str | list[dict[str, str]]


class LLMUnavailableError(ConnectionError):
    """No language model answers at the given address (or it cannot be loaded)."""


class LLMFaultWarning(RuntimeWarning):
    """Some requests failed; their answers count as abstentions."""


@dataclass(frozen=True)
class GenerationParams:
    """Sampling parameters of one request.

    Parameters
    ----------
    max_tokens : int
        Most tokens to generate.
    temperature : float
        Sampling temperature (0 = greedy).
    top_p : float
        Nucleus sampling threshold.
    seed : int
        Sampling seed; with ``sample`` it makes each of n samples reproducible.
    sample : int
        Index of the sample (0 .. n-1): part of the cache key, so n samples of one prompt
        are n cache entries.
    stop : tuple of str
        Strings that end the generation.
    """

    max_tokens: int = 48
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0
    sample: int = 0
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ValueError(f"max_tokens must be a positive integer, got {self.max_tokens!r}")
        if not 0 <= self.temperature <= 5:
            raise ValueError(f"temperature must be in [0, 5], got {self.temperature!r}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p!r}")

    def request_fields(self) -> dict[str, Any]:
        """The OpenAI-style request fields (``sample`` is only for the cache key)."""
        out: dict[str, Any] = {"max_tokens": self.max_tokens, "temperature": self.temperature,
                               "top_p": self.top_p, "seed": self.seed}
        if self.stop:
            out["stop"] = list(self.stop)
        return out


def default_threads() -> int:
    """CPU threads for llama.cpp: every core but one, at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def default_cache_dir() -> Path:
    """``data_dir()/cache/llm``: where replies are cached by default."""
    from pqstats._fetch import data_dir

    return data_dir() / "cache" / "llm"


class ResponseCache:
    """Replies on disk, one JSON file per request key (``<dir>/<key[:2]>/<key>.json``).

    Parameters
    ----------
    folder : path-like
        Cache folder (created on first write).
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    @staticmethod
    def key(model: str, endpoint: str, prompt: Prompt, params: GenerationParams) -> str:
        """sha256 of (model, endpoint kind, prompt or messages, all parameters)."""
        payload = json.dumps({"model": model, "endpoint": endpoint, "prompt": prompt,
                              "params": asdict(params)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        """The cached reply text, or None (absent or unreadable)."""
        path = self._path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        text = record.get("text") if isinstance(record, dict) else None
        return text if isinstance(text, str) and text else None

    def put(self, key: str, text: str, **meta: Any) -> None:
        """Store a reply atomically (a reader never sees half a file)."""
        record = {"text": text, **meta}
        atomic_write_text(self._path(key), json.dumps(record, ensure_ascii=False))

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*.json")) if self.folder.is_dir() else 0


class _Fault(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class _Stats:
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n


def _resolve_cache(cache: bool | str | os.PathLike | ResponseCache | None
                   ) -> ResponseCache | None:
    if cache is None or cache is False:
        return None
    if cache is True:
        return ResponseCache(default_cache_dir())
    if isinstance(cache, ResponseCache):
        return cache
    return ResponseCache(cache)


class LLMClient:
    """Common machinery: cache look-up, retries, concurrency, fault counting.

    Subclasses set :attr:`model` (a name for tables and cache keys) and implement
    ``_request(prompt, params) -> str``, raising ``_Fault(kind, message)`` on failure.

    Attributes
    ----------
    model : str
        Model name (part of every cache key).
    endpoint : {"completions", "chat"}
        Whether prompts are plain text or chat messages.
    stats : collections.Counter
        ``requests`` (sent to the model, retries included), ``cache_hits``, ``answered``
        (non-empty replies), ``faults`` and one count per fault kind of
        :data:`FAULT_KINDS`. Cumulative over the client's life.
    """

    model: str = "unknown"

    def __init__(self, *, endpoint: str = "completions", retries: int = 2,
                 backoff: float = 0.5, concurrency: int = 1,
                 cache: bool | str | os.PathLike | ResponseCache | None = True) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; choose one of "
                             f"{', '.join(ENDPOINTS)}")
        if not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be a positive integer, got {concurrency!r}")
        self.endpoint = endpoint
        self.retries = retries
        self.backoff = float(backoff)
        self.concurrency = concurrency
        self.cache = _resolve_cache(cache)
        self._stats = _Stats()

    # ------------------------------------------------------------ public
    @property
    def stats(self) -> Counter:
        """Cumulative request, cache and fault counts (a copy)."""
        with self._stats.lock:
            return Counter(self._stats.counts)

    def generate(self, prompts: Sequence[Prompt],
                 params: GenerationParams | Sequence[GenerationParams] = GenerationParams(),
                 *, on_reply: Callable[[int, str | None], None] | None = None
                 ) -> list[str | None]:
        """Replies to ``prompts`` (in order); None where the request failed.

        Parameters
        ----------
        prompts : sequence of str or of message lists
            Plain text for the ``completions`` endpoint, ``[{"role", "content"}, ...]``
            for ``chat``.
        params : GenerationParams or a sequence of them (one per prompt)
            Sampling parameters.
        on_reply : callable, optional
            Called as ``on_reply(i, text)`` when prompt ``i`` is answered (cache hits
            first, in order; then the requests as they complete).

        Returns
        -------
        list of (str or None)
            The reply text, or None after a fault (counted, logged and summed up in one
            :class:`LLMFaultWarning`).
        """
        prompts = list(prompts)
        plist = ([params] * len(prompts) if isinstance(params, GenerationParams)
                 else list(params))
        if len(plist) != len(prompts):
            raise ValueError(f"{len(plist)} parameter sets for {len(prompts)} prompts")
        for p in prompts:
            self._check_prompt(p)
        out: list[str | None] = [None] * len(prompts)
        keys = [ResponseCache.key(self.model, self.endpoint, p, q)
                for p, q in zip(prompts, plist, strict=True)]
        todo = []
        for i, key in enumerate(keys):
            hit = self.cache.get(key) if self.cache is not None else None
            if hit is not None:
                out[i] = hit
                self._stats.add("cache_hits")
                if on_reply is not None:
                    on_reply(i, hit)
            else:
                todo.append(i)
        faults_before = self.stats["faults"]

        def work(i: int) -> tuple[int, str | None]:
            text = self._call(prompts[i], plist[i])
            if text is not None and self.cache is not None:
                self.cache.put(keys[i], text, model=self.model, endpoint=self.endpoint)
            return i, text

        if todo:
            if self.concurrency == 1:
                results = map(work, todo)
                for i, text in results:
                    out[i] = text
                    if on_reply is not None:
                        on_reply(i, text)
            else:
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    futures = [pool.submit(work, i) for i in todo]
                    try:
                        for fut in futures:
                            i, text = fut.result()
                            out[i] = text
                            if on_reply is not None:
                                on_reply(i, text)
                    except BaseException:
                        for fut in futures:
                            fut.cancel()
                        raise
        n_faults = self.stats["faults"] - faults_before
        if n_faults:
            kinds = self.stats
            detail = ", ".join(f"{k} {kinds[k]}" for k in FAULT_KINDS if kinds[k])
            warnings.warn(
                f"{n_faults} of {len(prompts)} requests to {self.describe()} failed and count "
                f"as abstentions (so far: {detail})", LLMFaultWarning, stacklevel=2)
        return out

    def describe(self) -> str:
        """One line naming the backend (for messages)."""
        return f"{type(self).__name__}({self.model})"

    # ------------------------------------------------------------ internals
    def _check_prompt(self, prompt: Prompt) -> None:
        if self.endpoint == "completions" and not isinstance(prompt, str):
            raise TypeError("the completions endpoint takes text prompts; build chat "
                            "messages only for endpoint='chat'")
        if self.endpoint == "chat" and not (
                isinstance(prompt, list)
                and all(isinstance(m, dict) and {"role", "content"} <= set(m) for m in prompt)):
            raise TypeError("the chat endpoint takes a list of {'role', 'content'} messages")

    def _call(self, prompt: Prompt, params: GenerationParams) -> str | None:
        for attempt in range(self.retries + 1):
            self._stats.add("requests")
            try:
                text = self._request(prompt, params)
            except _Fault as fault:
                if fault.kind in _RETRYABLE and attempt < self.retries:
                    log.info("retrying after %s: %s", fault.kind, fault)
                    time.sleep(self.backoff * 2 ** attempt)
                    continue
                self._stats.add("faults")
                self._stats.add(fault.kind)
                log.info("%s: %s (%s); counted as an abstention", self.describe(), fault,
                         fault.kind)
                return None
            self._stats.add("answered")
            return text
        return None  # pragma: no cover (the loop always returns)

    def _request(self, prompt: Prompt, params: GenerationParams) -> str:
        raise NotImplementedError


def _check_url(url: str) -> str:
    if not isinstance(url, str):
        raise ValueError(f"server URL must be a string, got {type(url).__name__}")
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(
            f"bad server URL {url!r}: give the address of an OpenAI-compatible server, e.g. "
            "http://127.0.0.1:8080 (with or without /v1)")
    base = url.strip().rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def _reply_text(body: Any, endpoint: str) -> str:
    try:
        choice = body["choices"][0]
        text = choice["text"] if endpoint == "completions" else choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        field_name = "text" if endpoint == "completions" else "message.content"
        raise _Fault("malformed", f"reply without choices[0].{field_name}: "
                                  f"{str(body)[:120]!r}") from None
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _Fault("malformed", f"reply text is a {type(text).__name__}, not a string")
    if not text.strip():
        raise _Fault("empty", "the reply text is empty")
    return text


class HTTPClient(LLMClient):
    """A client of an OpenAI-compatible server (llama.cpp, vLLM, ollama, ...).

    Parameters
    ----------
    url : str
        The server's address, e.g. ``http://127.0.0.1:8080`` (a trailing ``/v1`` is
        accepted).
    model : str, optional
        Model name sent with each request and used in cache keys and tables; by default
        the first model the server lists at ``/v1/models`` (asked once, lazily).
    endpoint : {"completions", "chat"}
        ``/v1/completions`` (text prompts) or ``/v1/chat/completions`` (messages).
    timeout : float
        Seconds to wait for one reply (connect and read).
    retries : int
        Extra attempts after a retryable fault (unreachable, timeout, HTTP 5xx/429,
        malformed reply); the wait doubles from ``backoff`` seconds.
    backoff : float
        First wait between attempts, in seconds.
    concurrency : int
        Most requests in flight at once.
    cache : bool, path-like or ResponseCache
        True: :func:`default_cache_dir`; False/None: no cache.
    api_key : str, optional
        Sent as ``Authorization: Bearer <api_key>`` (servers that want one).
    """

    def __init__(self, url: str, model: str | None = None, *, endpoint: str = "completions",
                 timeout: float = 60.0, retries: int = 2, backoff: float = 0.5,
                 concurrency: int = 2,
                 cache: bool | str | os.PathLike | ResponseCache | None = True,
                 api_key: str | None = None) -> None:
        super().__init__(endpoint=endpoint, retries=retries, backoff=backoff,
                         concurrency=concurrency, cache=cache)
        self.url = _check_url(url)
        if not timeout or timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, got {timeout!r}")
        self.timeout = float(timeout)
        self.api_key = api_key
        self._model = model
        self._local = threading.local()

    @property
    def model(self) -> str:  # type: ignore[override]
        if self._model is None:
            try:
                ids = self.check()
            except LLMUnavailableError:
                ids = []
            self._model = _short_name(ids[0]) if ids else "server"
        return self._model

    def describe(self) -> str:
        return f"server {self.url}"

    def _session(self):
        import requests

        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            if self.api_key:
                s.headers["Authorization"] = f"Bearer {self.api_key}"
            self._local.session = s
        return s

    def check(self, timeout: float = 10.0) -> list[str]:
        """Ask the server for its models (``GET /v1/models``); raise if nobody answers.

        Returns
        -------
        list of str
            The model ids the server lists.

        Raises
        ------
        LLMUnavailableError
            Naming the URL and how to start a server.
        """
        import requests

        where = f"{self.url}/v1/models"
        try:
            resp = self._session().get(where, timeout=timeout)
            resp.raise_for_status()
            body = resp.json()
        except (requests.RequestException, ValueError) as err:
            raise LLMUnavailableError(
                f"no OpenAI-compatible server answers at {self.url} ({where}: "
                f"{type(err).__name__}: {str(err)[:200]}). Fix: start one, e.g. "
                "`python -m llama_cpp.server --model $(pqstats summer model) --port 8080`, "
                "then pass --server http://127.0.0.1:8080; or check the URL.") from None
        data = body.get("data") if isinstance(body, dict) else None
        return [str(m.get("id")) for m in data or [] if isinstance(m, dict) and m.get("id")]

    def _request(self, prompt: Prompt, params: GenerationParams) -> str:
        import requests

        body: dict[str, Any] = {"model": self.model, **params.request_fields()}
        if self.endpoint == "completions":
            body["prompt"] = prompt
            where = f"{self.url}/v1/completions"
        else:
            body["messages"] = prompt
            where = f"{self.url}/v1/chat/completions"
        try:
            resp = self._session().post(where, json=body, timeout=self.timeout)
        except requests.Timeout as err:
            raise _Fault("timeout", f"no reply from {where} within {self.timeout:g} s") from err
        except requests.ConnectionError as err:
            raise _Fault("unreachable", f"cannot connect to {where}: {str(err)[:160]}") from err
        except requests.RequestException as err:
            raise _Fault("error", f"request to {where} failed: {str(err)[:160]}") from err
        if resp.status_code >= 400:
            kind = "http_error" if resp.status_code >= 500 or resp.status_code == 429 else "error"
            raise _Fault(kind, f"{where} answered HTTP {resp.status_code}: {resp.text[:160]!r}")
        if not resp.content.strip():
            raise _Fault("empty", f"{where} sent an empty reply")
        try:
            payload = resp.json()
        except ValueError:
            raise _Fault("malformed", f"{where} sent a reply that is not JSON: "
                                      f"{resp.text[:120]!r}") from None
        return _reply_text(payload, self.endpoint)


def _short_name(model_id: str) -> str:
    name = Path(model_id).name
    for suffix in (".gguf",):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    from pqstats.summer.model import DEFAULT_MODEL_FILE, DEFAULT_MODEL_NAME

    return DEFAULT_MODEL_NAME if Path(model_id).name == DEFAULT_MODEL_FILE else name


class LlamaCppClient(LLMClient):
    """A GGUF model run in this process by ``llama-cpp-python`` (``pqstats[llm]``).

    Parameters
    ----------
    model_path : path-like, optional
        A ``.gguf`` file; by default pqstats' Gemma 3 270M, assembled on first use
        (:func:`pqstats.summer.model.default_model_path`).
    endpoint : {"completions", "chat"}
        Plain-text completion, or chat messages through the model's chat template.
    n_ctx : int
        Context length in tokens (prompt plus reply).
    n_threads : int, optional
        CPU threads; default: every core but one (at least one). On a busy machine
        fewer threads are faster: llama.cpp's threads wait for each other.
    cache : bool, path-like or ResponseCache
        As for :class:`HTTPClient`.
    model_name : str, optional
        Name for tables and cache keys (default: derived from the file name).

    Notes
    -----
    llama.cpp keeps the evaluated prompt of the previous call and reuses its longest
    common prefix, so n samples of one prompt cost one prompt evaluation.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, *,
                 endpoint: str = "completions", n_ctx: int = 2048,
                 n_threads: int | None = None,
                 cache: bool | str | os.PathLike | ResponseCache | None = True,
                 model_name: str | None = None, verbose: bool = False) -> None:
        super().__init__(endpoint=endpoint, retries=0, concurrency=1, cache=cache)
        from pqstats.summer.model import model_label, resolve_model

        self.model_path = resolve_model(model_path)
        self.model = model_name or model_label(self.model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.verbose = verbose
        self._llm = None
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"llama.cpp in-process ({self.model_path.name})"

    def load(self):
        """Load the model now (otherwise it loads on the first request)."""
        if self._llm is None:
            from pqstats._extras import require

            # the llm extra compiles llama.cpp (a few minutes); or serve the model and pass
            # --server URL
            Llama = require("llama_cpp", "llm",
                            "running the model in-process (or pass --server URL)").Llama
            try:
                self._llm = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx,
                                  n_threads=self.n_threads, verbose=self.verbose, seed=0)
            except (ValueError, RuntimeError, OSError) as err:
                raise LLMUnavailableError(
                    f"llama.cpp cannot load {self.model_path}: {err}. Fix: check that it is "
                    "a complete GGUF model file.") from None
        return self._llm

    def _request(self, prompt: Prompt, params: GenerationParams) -> str:
        llm = self.load()
        fields = params.request_fields()
        with self._lock:
            try:
                if self.endpoint == "completions":
                    out = llm.create_completion(prompt=prompt, **fields)
                else:
                    out = llm.create_chat_completion(messages=prompt, **fields)
            except (ValueError, RuntimeError) as err:  # e.g. prompt longer than n_ctx
                raise _Fault("error", f"llama.cpp: {str(err)[:200]}") from err
        return _reply_text(out, self.endpoint)
