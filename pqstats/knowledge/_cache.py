"""On-disk cache of derived knowledge objects, keyed by input checksums + options.

Entries live in ``data_dir()/cache/knowledge/<prefix>-<key>.pkl``; the key is the
sha256 of a JSON document holding a format version, the sha256 of every input file and
every option that changes the result, so a changed file or option never reads a stale
entry. Writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pqstats._fetch import data_dir, sha256sum
from pqstats._io import atomic_write

__all__ = ["cache_dir", "cache_key", "cached", "clear_memory", "file_sha256"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Bump when the layout of a cached object changes.
CACHE_FORMAT = 1

_SHA_MEMO: dict[tuple[str, int, int], str] = {}
_MEMORY: dict[Path, object] = {}
_MEMORY_MAX = 16


def cache_dir(folder: str = "knowledge") -> Path:
    """``data_dir()/cache/<folder>`` (``knowledge`` for parsed sources and graphs)."""
    return data_dir() / "cache" / folder


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file, memoised per (path, size, mtime) within the process."""
    st = os.stat(path)
    k = (os.fspath(Path(path).resolve()), st.st_size, st.st_mtime_ns)
    if k not in _SHA_MEMO:
        _SHA_MEMO[k] = sha256sum(path)
    return _SHA_MEMO[k]


def cache_key(parts: dict) -> str:
    """Hex sha256 of ``parts`` (with the cache format) as canonical JSON."""
    import numpy
    import pandas

    # pickles of numpy / pandas objects are tied to the library's major version
    libs = {"numpy": numpy.__version__.split(".")[0], "pandas": pandas.__version__.split(".")[0]}
    doc = json.dumps({"format": CACHE_FORMAT, "libs": libs, **parts}, sort_keys=True,
                     default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


def cached(prefix: str, parts: dict, build: Callable[[], T], *, enabled: bool = True,
           folder: str = "knowledge", with_hit: bool = False) -> T | tuple[T, bool]:
    """Return the cached object for ``parts``, building and storing it on a miss.

    A corrupt or unreadable entry is rebuilt (and overwritten).

    Parameters
    ----------
    prefix : str
        File name prefix (the kind of object).
    parts : dict
        Everything the result depends on (JSON-serialisable, ``str`` as fallback).
    build : callable
        Computes the object on a miss.
    enabled : bool
        ``False`` always builds and neither reads nor writes the cache.
    folder : str
        Sub-folder of ``data_dir()/cache`` (``knowledge``, ``features``, ...).
    with_hit : bool
        Return ``(object, hit)`` instead of the object.
    """
    if not enabled:
        obj = build()
        return (obj, False) if with_hit else obj
    path = cache_dir(folder) / f"{prefix}-{cache_key(parts)[:24]}.pkl"
    if path in _MEMORY and path.is_file():
        return (_MEMORY[path], True) if with_hit else _MEMORY[path]  # type: ignore[return-value]
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                obj = pickle.load(fh)
            _remember(path, obj)
            return (obj, True) if with_hit else obj
        except Exception as err:  # noqa: BLE001 - any unreadable entry is rebuilt
            log.warning("rebuilding unreadable cache entry %s (%s)", path, err)
    obj = build()

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        atomic_write(path, write)
        _remember(path, obj)
    except OSError as err:  # a read-only cache must not break the computation
        log.warning("could not write cache entry %s (%s)", path, err)
    return (obj, False) if with_hit else obj


def _remember(path: Path, obj: object) -> None:
    """Keep a few recently used entries in memory (callers must not mutate them)."""
    _MEMORY.pop(path, None)
    _MEMORY[path] = obj
    while len(_MEMORY) > _MEMORY_MAX:
        _MEMORY.pop(next(iter(_MEMORY)))


def clear_memory() -> None:
    """Forget the in-memory layer (the files on disk stay)."""
    _MEMORY.clear()
