"""Cross-validation on real local clusters: loky, dask and ray give identical results."""

from __future__ import annotations

import os
import sys
import threading

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from pqstats import models
from pqstats._cluster import joblib_backend
from pqstats.evaluation import cross_validate
from pqstats.screens import load_dir

# workers unpickle this module's classes by value (they cannot import the test module)
cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.integration
TIMEOUT = 240  # seconds: a hang is a failure, never a stuck CI


@pytest.fixture(scope="module")
def train():
    pairs = load_dir("k562_set")
    return pairs[pairs.split == "train"].reset_index(drop=True)


def _run(fn, timeout=TIMEOUT):
    """Run ``fn`` in a thread; fail (instead of hanging) when it does not finish."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = err

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"cross-validation did not finish within {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _cv(model, train, backend, n_jobs=2, scatter=None):
    def go():
        with joblib_backend(backend, n_workers=n_jobs, scatter=scatter):
            return cross_validate(model, train, folds=3, n_jobs=n_jobs)

    return _run(go)


@pytest.fixture(scope="module")
def reference(train):
    """Sequential results (n_jobs=1, no parallelism) of two models."""
    return {name: cross_validate(models.get_for(name, "k562_set", "dir"), train, folds=3,
                                 n_jobs=1)
            for name in ("knn_retrieval", "xgboost")}


@pytest.mark.parametrize("backend", ["loky", "dask", "ray"])
def test_same_results_on_every_backend(backend, train, reference):
    for name, (ref_folds, ref_oof) in reference.items():
        model = models.get_for(name, "k562_set", "dir")
        folds, oof = _cv(model, train, backend)
        pd.testing.assert_frame_equal(folds, ref_folds)
        np.testing.assert_array_equal(oof, ref_oof)


class DiesOnceModel(models.PairClassifier):
    """Gene-frequency scores, but the first fit in a worker kills that worker process."""

    def __init__(self, flag_dir: str = ""):
        self.flag_dir = flag_dir

    def _fit(self, pairs, y):
        flag = os.path.join(self.flag_dir, "died")
        if self.flag_dir and not os.path.exists(flag) and os.getpid() != _PARENT:
            open(flag, "w").close()
            os._exit(1)  # a worker crash, as an out-of-memory kill would be
        self.inner_ = models.GeneFrequencyModel().fit(pairs, y)

    def _score(self, pairs):
        return self.inner_.score_pairs(pairs)


_PARENT = os.getpid()


def test_dask_survives_a_killed_worker(train, tmp_path):
    expected, _ = cross_validate(DiesOnceModel(), train, folds=3, n_jobs=1)
    folds, _ = _cv(DiesOnceModel(flag_dir=str(tmp_path)), train, "dask", scatter=[train])
    assert (tmp_path / "died").exists()  # a worker really died mid-run
    pd.testing.assert_frame_equal(folds, expected)


def test_unreachable_scheduler_and_unknown_backend_are_clear_errors():
    with pytest.raises(ConnectionError, match="could not reach the dask scheduler"):
        with joblib_backend("dask", scheduler="tcp://127.0.0.1:9", timeout=2):
            pass
    with pytest.raises(ValueError, match="unknown backend 'spark'"):
        with joblib_backend("spark"):
            pass
