"""Every notebook in notebooks/ runs top to bottom, within its time budget, and is
committed with its outputs stripped."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Wall-clock budget of a whole notebook in seconds (default :data:`DEFAULT_BUDGET`); the
#: notebooks run on small subsets so that `make test` stays fast. The budgets are generous
#: (a cold knowledge-graph build on a fresh clone included): they catch a notebook that
#: hangs or has grown, not a slow machine.
BUDGETS: dict[str, int] = {"cross_validation": 600}
DEFAULT_BUDGET = 300
#: Notebooks the issue asks for; each must exist.
REQUIRED = ("01_quickstart", "02_knowledge_graph", "03_enrichment", "04_models")


def test_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= set(REQUIRED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.get("outputs"), f"{path.name}: strip outputs before committing"
            assert cell.get("execution_count") is None, f"{path.name}: clear execution counts"


@pytest.mark.integration
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    budget = BUDGETS.get(path.stem, DEFAULT_BUDGET)
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    # timeout is per cell; the whole-notebook budget is checked below
    NotebookClient(nb, timeout=budget, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    elapsed = time.monotonic() - start
    assert elapsed < budget, f"{path.name} took {elapsed:.0f} s, over its {budget} s budget"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
