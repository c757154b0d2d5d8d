#!/usr/bin/env bash
# Smoke check of the oldest supported Python (requires-python in pyproject.toml) with the
# light core only: a fresh venv, `pip install .` from binary wheels (nothing compiled),
# then import pqstats, one benchmark cell and one import of a screen.
#
#   make smoke                                  # finds Python 3.10 (pyenv's too)
#   PYTHON=/path/to/python3.10 bash tools/smoke_oldest.sh
#
# The benchmark and knowledge files come from PQSTATS_MIRROR (default ../shared, as in the
# Makefile) into a temporary data folder, so the check leaves the checkout's data/ alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.10}
VENV=${SMOKE_VENV:-.venv-smoke}
if ! "$PYTHON" -c 'import sys' 2>/dev/null; then
  echo "smoke: no runnable $PYTHON; give the oldest supported Python: PYTHON=... $0" >&2
  exit 1
fi
if [ -z "${PQSTATS_MIRROR:-}" ] && [ -d ../shared/perturbqa ]; then
  export PQSTATS_MIRROR=$(cd ../shared && pwd)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PQSTATS_DATA=$work/data MPLBACKEND=Agg
unset PYTHONPATH

echo "== a core-only venv on $("$PYTHON" -c 'import platform; print("Python", platform.python_version())')"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
py=$(cd "$VENV/bin" && pwd)/python
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet --only-binary=:all: .
"$py" -m pip list --format=freeze | grep -iE '^(numpy|pandas|scipy|scikit-learn|xgboost-cpu)=='

cd "$work"  # the installed package, not the checkout
echo "== import pqstats"
"$py" - <<'PY'
import sys

import pqstats

optional = {"anndata", "pydeseq2", "gensim", "numba", "llama_cpp", "torch", "dask", "ray",
            "pyarrow"}
assert not optional & set(sys.modules), optional & set(sys.modules)
print("pqstats", pqstats.__version__, "from", pqstats.__file__)
PY

echo "== one benchmark cell: k562_set, gene_frequency, DE, strict"
pq=$(dirname "$py")/pqstats
"$pq" fetch --quiet
"$pq" benchmark --datasets k562_set --models gene_frequency --tasks de --track strict \
  --seeds 1 --n-boot 50 --no-oracles --no-figures --out "$work/out"
"$py" - "$work/out/benchmark.csv" <<'PY'
import sys

import pandas as pd

rows = pd.read_csv(sys.argv[1])
cell = rows[(rows.dataset == "k562_set") & (rows.model == "gene_frequency")]
assert len(cell) == 1 and 0 <= float(cell.auroc.iloc[0]) <= 1, rows
print("scored:", cell[["dataset", "task", "model", "auroc"]].to_string(index=False))
PY

echo "== one import of a screen (a tiny pairs CSV)"
"$py" - "$work/pairs.csv" <<'PY'
import sys

import pandas as pd

perts = ["TP53", "MYC", "GATA1", "TAL1", "SPI1", "RUNX1", "KLF1", "MYB"]
genes = ["GAPDH", "HBG1", "HBG2", "CD34", "TFRC", "LMO2"]
rows = [(p, g, int((i + j) % 4 == 0)) for i, p in enumerate(perts) for j, g in enumerate(genes)]
pd.DataFrame(rows, columns=["pert", "gene", "label"]).to_csv(sys.argv[1], index=False)
PY
"$pq" screen import smoke_pairs "$work/pairs.csv" --cell-line K562 --format pairs
"$pq" screen show smoke_pairs
echo "smoke: ok"
