"""numba kernel of pqstats' node2vec walks (imported lazily: numba is slow to import).

See :mod:`pqstats.features.node2vec` for the algorithm. The kernel is serial and releases
the GIL (``nogil``), so callers run chunks of walks in threads; each walk draws from its
own splitmix64 stream seeded by ``(seed, walk id)``, so the result does not depend on
how the walks are split between threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["walk_chunk"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def _mix(z):
    """splitmix64 finaliser."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def _uniform(state):
    """Advance the splitmix64 state; return it and a uniform double in [0, 1)."""
    state = state + _GOLDEN
    return state, np.float64(_mix(state) >> _S11) * _TO_UNIT


@njit(inline="always", cache=True)
def _first_order(state, lo, hi, cumw, weighted):
    """Index k in [lo, hi) drawn with probability w_k / sum(w) (uniform if unweighted)."""
    state, u = _uniform(state)
    if weighted:
        k = lo + np.searchsorted(cumw[lo:hi], u * cumw[hi - 1], side="right")
    else:
        k = lo + np.int64(u * (hi - lo))
    if k >= hi:
        k = hi - 1
    return state, k


@njit(nogil=True, cache=True)
def walk_chunk(indptr, indices, cumw, weighted, starts, first_id, walk_length, inv_p, inv_q,
               seed, out):
    """Fill ``out[w]`` with the walk from ``starts[w]`` (walk id ``first_id + w``).

    Parameters
    ----------
    indptr, indices : int64 / int32 arrays
        CSR structure with sorted column indices.
    cumw : float64 array
        Per-row cumulative edge weights (unused when ``weighted`` is False).
    weighted : bool
        Sample neighbours by weight rather than uniformly.
    starts : int64 array
        Start node of each walk.
    first_id : int64
        Walk id of ``starts[0]`` (seeds the walk's random stream).
    walk_length : int
        Nodes per walk.
    inv_p, inv_q : float
        ``1/p`` and ``1/q``.
    seed : uint64
        Global seed.
    out : int32 array, shape (len(starts), walk_length)
        Pre-filled with -1; a walk that reaches a node without out-edges stops there.
    """
    upper = max(inv_p, 1.0, inv_q)
    second_order = min(inv_p, 1.0, inv_q) != upper
    base = _mix(seed + _GOLDEN)
    for w in range(starts.shape[0]):
        state = _mix(base ^ _mix(np.uint64(first_id + w) + _GOLDEN))
        cur = np.int64(starts[w])
        out[w, 0] = cur
        prev = np.int64(-1)
        for step in range(1, walk_length):
            lo, hi = indptr[cur], indptr[cur + 1]
            if hi == lo:
                break
            if prev < 0 or not second_order:
                state, k = _first_order(state, lo, hi, cumw, weighted)
                nxt = np.int64(indices[k])
            else:
                # rejection sampling: propose from w(cur, .), accept with alpha / upper
                while True:
                    state, k = _first_order(state, lo, hi, cumw, weighted)
                    nxt = np.int64(indices[k])
                    if nxt == prev:
                        a = inv_p
                    else:
                        r0, r1 = indptr[nxt], indptr[nxt + 1]
                        j = r0 + np.searchsorted(indices[r0:r1], prev)
                        a = 1.0 if (j < r1 and indices[j] == prev) else inv_q
                    state, u = _uniform(state)
                    if u * upper < a:
                        break
            out[w, step] = nxt
            prev = cur
            cur = nxt
