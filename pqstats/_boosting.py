"""The classifier of the ``xgboost`` model: XGBoost whose training matrix is built once.

XGBoost's scikit-learn ``fit`` quantises its training data into a ``QuantileDMatrix``
before it grows a tree. The benchmark fits five seeds of each cell on the same features,
and rebuilding that matrix was a fifth of their time. :class:`SharedMatrixXGBClassifier`
keeps the last matrices it built in this process, keyed by the content of the data and
every setting that shapes them, so a refit on the same rows reuses one; the matrix is
deterministic and training does not change it, so the fitted trees are the ones a fresh
matrix gives (``tests/test_models.py`` checks the predictions are identical).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from xgboost import XGBClassifier

__all__ = ["SharedMatrixXGBClassifier"]

#: matrices kept (the oldest is dropped beyond it): one cell's, with room for the next
_KEEP = 2
_MATRICES: dict[str, Any] = {}


def _content(value: Any) -> str:
    """What a matrix argument is, for the key: an array by its dtype, shape and bytes."""
    if isinstance(value, np.ndarray):
        h = hashlib.blake2b(np.ascontiguousarray(value).tobytes(), digest_size=16)
        return f"{value.dtype.str}{value.shape}{h.hexdigest()}"
    return repr(value)


class SharedMatrixXGBClassifier(XGBClassifier):
    """``xgboost.XGBClassifier``, its training matrix shared by refits on the same data.

    The parameters, fit and predictions are XGBClassifier's. Only a fit without an
    evaluation set or a reference matrix is shared (the ``xgboost`` model's fit); any
    other matrix is built as XGBoost builds it.
    """

    def _create_dmatrix(self, ref, **kwargs):
        if ref is not None or not isinstance(kwargs.get("data"), np.ndarray):
            return super()._create_dmatrix(ref, **kwargs)
        key = repr(sorted((k, _content(v)) for k, v in kwargs.items())
                   + [("nthread", self.n_jobs), ("max_bin", self.max_bin),
                      ("tree_method", self.tree_method), ("device", self.device),
                      ("booster", self.booster)])
        if key not in _MATRICES:
            if len(_MATRICES) >= _KEEP:
                _MATRICES.pop(next(iter(_MATRICES)))
            _MATRICES[key] = super()._create_dmatrix(ref, **kwargs)
        return _MATRICES[key]
