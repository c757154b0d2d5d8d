"""Progress bars: tqdm's notebook widget where it can render, plain text elsewhere.

``tqdm.auto`` warns ("IProgress not found") in a notebook without ipywidgets; this picks
the text bar there instead, so notebooks stay clean.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:  # pragma: no cover - depends on the environment
    from tqdm.std import tqdm

__all__ = ["tqdm"]
