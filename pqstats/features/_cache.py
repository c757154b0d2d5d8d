"""On-disk cache of derived feature objects (embeddings), keyed by their inputs.

Entries live in ``data_dir()/cache/features/<prefix>-<key>.pkl``. The key is the sha256
of a canonical JSON document (:func:`pqstats.knowledge._cache.cache_key`) that holds
every input that changes the result -- for a graph embedding, the graph's content hash
(:func:`array_digest`) and every parameter -- so a changed graph or parameter never
reads a stale entry. Writes are atomic (:func:`pqstats._io.atomic_write`), and an
unreadable entry is rebuilt.

The machinery is :func:`pqstats.knowledge._cache.cached`; the features layer keeps its
own folder so that ``rm -r data/cache/features`` clears derived features without touching
parsed sources.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np

from pqstats._fetch import data_dir
from pqstats.knowledge._cache import cache_key
from pqstats.knowledge._cache import cached as _cached

__all__ = ["cache_dir", "cache_path", "cached", "array_digest", "pairs_digest", "remember",
           "pair_rows"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_dir() -> Path:
    """``data_dir()/cache/features``."""
    return data_dir() / "cache" / "features"


def cache_path(prefix: str, parts: dict) -> Path:
    """Where the entry for ``parts`` lives (whether or not it exists)."""
    return cache_dir() / f"{prefix}-{cache_key(parts)[:24]}.pkl"


def remember(memo: dict, key, value, size: int = 4) -> None:
    """Put ``value`` in a per-process ``memo``, forgetting its oldest entry beyond ``size``."""
    if len(memo) >= size:
        memo.pop(next(iter(memo)))
    memo[key] = value


def pair_rows(memo: dict, key, pairs, compute: Callable):
    """Per-pair features of ``pairs``, computing only the (pert, gene) pairs not seen before.

    For features of a pair that depend on that pair alone (never on which other pairs are
    scored, the leakage invariant): ``memo[key]`` holds a per-process table of every pair
    computed under ``key``, and ``compute(new)`` is called with the unique unseen pairs
    (columns ``pert, gene``) only. A learning curve's fits all score the same test split;
    the strict and transfer tracks featurise the same pairs.

    Returns
    -------
    pandas.DataFrame
        ``compute``'s columns, one row per row of ``pairs`` (its index).
    """
    import pandas as pd

    wanted = pd.MultiIndex.from_arrays([pairs["pert"].to_numpy(), pairs["gene"].to_numpy()])
    table = memo.get(key)
    new = wanted.unique() if table is None else wanted[~wanted.isin(table.index)].unique()
    if len(new):
        part = compute(pd.DataFrame({"pert": new.get_level_values(0),
                                     "gene": new.get_level_values(1)}))
        part = part.set_axis(new)
        table = part if table is None else pd.concat([table, part])
        remember(memo, key, table)
    return table.reindex(wanted).set_axis(pairs.index)


def pairs_digest(pairs) -> str:
    """sha256 of a table's (pert, gene) rows *in their order*: the key of a memo whose value
    is aligned row by row with the table (a sum of row hashes would let a reordered table
    read another order's rows)."""
    import pandas as pd

    rows = pd.util.hash_pandas_object(pairs[["pert", "gene"]], index=False).to_numpy()
    return array_digest([rows])


def array_digest(arrays: Iterable[np.ndarray], strings: Iterable[str] = ()) -> str:
    """sha256 over the dtype, shape and bytes of ``arrays`` and then ``strings``.

    Used as the content hash of a graph (CSR arrays + node names).
    """
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    for s in strings:
        h.update(str(s).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def cached(prefix: str, parts: dict, build: Callable[[], T], *,
           enabled: bool = True) -> tuple[T, bool]:
    """``(object, hit)`` from :func:`pqstats.knowledge._cache.cached` in ``cache/features``."""
    return _cached(prefix, parts, build, enabled=enabled, folder="features", with_hit=True)
