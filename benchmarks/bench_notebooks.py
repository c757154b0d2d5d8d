"""How long each notebook takes to run top to bottom, and its slowest cell.

The notebooks run on small subsets so that `make test` stays short; this is where their run
time is measured (the tests only catch a hang, with a per-cell timeout). A notebook over its
budget is flagged in the table, not failed: a slow machine is not a bug.

Writes results/bench_notebooks.json and results/bench_notebooks.md. Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from pqstats._io import atomic_write_text

REPO = Path(__file__).resolve().parents[1]
#: Seconds a notebook should take on 2 free cores with warm caches (the README's promise).
BUDGET_S = 90
#: Notebooks that start real clusters or a local model get more.
BUDGETS = {"cross_validation": 240, "05_summer": 180}


def run_notebook(path: Path) -> dict:
    """Execute one notebook in a temporary folder; return its wall time and slowest cell."""
    nb = nbformat.read(path, as_version=4)
    cell_times: list[float] = []

    class TimedClient(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, **kwargs):
            start = time.perf_counter()
            try:
                return await super().async_execute_cell(cell, cell_index, **kwargs)
            finally:
                cell_times.append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        TimedClient(nb, timeout=1200, kernel_name="python3",
                    resources={"metadata": {"path": folder}}).execute()
        wall = time.perf_counter() - start
    budget = BUDGETS.get(path.stem, BUDGET_S)
    return {"notebook": path.stem, "seconds": round(wall, 1),
            "slowest_cell_s": round(max(cell_times, default=0.0), 1),
            "cells": len(cell_times), "budget_s": budget, "within_budget": wall <= budget}


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    rows = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        rows.append(run_notebook(path))
        print(rows[-1])
    out = REPO / "results"
    atomic_write_text(out / "bench_notebooks.json", json.dumps(rows, indent=2) + "\n")
    lines = ["# Notebook run times (`make bench`)", "",
             f"Each notebook executed top to bottom on {os.cpu_count()} cores with warm caches. "
             "Over budget is a flag, not a test failure.", "",
             "| notebook | seconds | slowest cell s | cells | budget s | within budget |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['notebook']} | {r['seconds']} | {r['slowest_cell_s']} | {r['cells']} | "
              f"{r['budget_s']} | {'yes' if r['within_budget'] else '**no**'} |" for r in rows]
    atomic_write_text(out / "bench_notebooks.md", "\n".join(lines) + "\n")
    print(f"wrote {out / 'bench_notebooks.md'}")


if __name__ == "__main__":
    main()
