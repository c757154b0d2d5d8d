"""Shared test setup: the data mirror and small fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Integration tests read the real files through the mirror, as `make test` does.
if "PQSTATS_MIRROR" not in os.environ and (SHARED / "perturbqa").is_dir():
    os.environ["PQSTATS_MIRROR"] = str(SHARED)
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def toy_pairs() -> pd.DataFrame:
    """A small random pair table: 30 perts x 12 genes, train/test split by pert."""
    rng = np.random.default_rng(7)
    perts = [f"P{i}" for i in range(30)]
    genes = [f"G{j}" for j in range(12)]
    df = pd.DataFrame([(p, g) for p in perts for g in genes], columns=["pert", "gene"])
    df["label"] = rng.integers(0, 2, len(df)).astype("int8")
    df["split"] = np.where(df["pert"].isin(perts[:22]), "train", "test")
    return df


@pytest.fixture
def counted_fits(tmp_path, monkeypatch) -> list:
    """Benchmark fits recorded (model names) in a fresh score cache under ``tmp_path``."""
    import pqstats.fit_cache as fc
    from pqstats.models import _REGISTRY

    monkeypatch.setenv("PQSTATS_DATA", str(tmp_path / "data"))
    calls: list = []
    real = fc.fit_predict
    names = {entry.factory: name for name, entry in _REGISTRY.items()}

    def counting(*args, **kwargs):
        model = args[0]
        calls.append(model if isinstance(model, str) else names[type(model)])
        return real(*args, **kwargs)

    monkeypatch.setattr(fc, "fit_predict", counting)
    return calls


@pytest.fixture
def jurkat_absent(tmp_path, monkeypatch):
    """A mirror and data folder without the Jurkat tables (every other file linked), to
    test what pqstats says when a screen's files are not here."""
    from pqstats._fetch import data_dir
    from pqstats.screens import load as screen_load

    real_data = data_dir()
    mirror = tmp_path / "mirror"
    (mirror / "perturbqa").mkdir(parents=True)
    for entry in (SHARED / "perturbqa").iterdir():
        if not entry.name.startswith("jurkat-"):
            (mirror / "perturbqa" / entry.name).symlink_to(entry.resolve())
    (mirror / "knowledge").symlink_to((SHARED / "knowledge").resolve())
    data = tmp_path / "data"
    (data / "perturbqa").mkdir(parents=True)
    for entry in real_data.iterdir():
        if entry.name not in ("perturbqa", "screens"):
            (data / entry.name).symlink_to(entry.resolve())
    for entry in (real_data / "perturbqa").glob("*"):
        if not entry.name.startswith("jurkat-"):
            (data / "perturbqa" / entry.name).symlink_to(entry.resolve())
    monkeypatch.setenv("PQSTATS_MIRROR", str(mirror))
    monkeypatch.setenv("PQSTATS_DATA", str(data))
    screen_load._load_builtin_cached.cache_clear()
    yield mirror
    screen_load._load_builtin_cached.cache_clear()
