# pqstats — one command for each job. `make test` and `make benchmark` set themselves up.
# One .venv on Python 3.12 or newer (the newest anndata and scanpy need 3.12): the first of
# these that runs, pyenv's installs included (a pyenv shim of a version that is not active
# exists but does not run). PYTHON=... picks another.
PYTHON_CANDIDATES := python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python) \
                     python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python) python3
PYTHON ?= $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell $(p) -c \
            'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $(p))))
VENV   := .venv
BIN    := $(VENV)/bin
# the oldest supported Python (requires-python in pyproject.toml), for `make smoke`
OLDEST_PYTHON ?= $(firstword $(foreach p,python3.10 $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python),\
                   $(shell $(p) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' \
                   >/dev/null 2>&1 && echo $(p))))
# Read the benchmark and knowledge files from ../shared when it is there (no download).
ifneq ($(wildcard ../shared/perturbqa),)
export PQSTATS_MIRROR ?= $(abspath ../shared)
endif
export MPLBACKEND ?= Agg
# The llm extra compiles llama.cpp from source, for this CPU. Build only what pqstats loads:
# the multimodal (llava / mtmd) library is never used and is about a third of the objects.
# Leave out ggml's AMX kernels: on Sapphire Rapids-class CPUs, in VMs in particular, they die
# of a general protection fault at the first token (llama.cpp #20824, #26954), and the AVX-512
# kernels serve a 270M model as fast. A CMAKE_ARGS of your own (e.g. for a GPU) replaces this.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'

.PHONY: setup setup-core setup-node2vec smoke data data-core test benchmark report ablation \
        select gse-select bench lint clean llm-demo

# Two setups of the same .venv. setup-core: the light core (`pip install -e .`), binary
# wheels only, so it compiles nothing; what the benchmark and the report need. setup: the
# core plus every extra, which `make test` tests (the llm extra compiles llama.cpp).
FULL_EXTRAS := dev,docs,h5ad,parquet,deseq2,node2vec,text,dask,ray,llm
setup-core: $(VENV)/.core
setup: $(VENV)/.full

$(VENV)/.core: pyproject.toml
	@test -n "$(PYTHON)" || { echo "no Python 3.12 or newer found; run make PYTHON=/path/to/python3.12"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --only-binary=:all: -e .
	touch $@

# llama.cpp is compiled once per machine, not once per clone: tools/llama_wheel.py keeps the
# wheel under $${XDG_CACHE_HOME:-~/.cache}/pqstats/wheels/<key>, the key hashing the version,
# CMAKE_ARGS, the CPU's flags, the compiler and the Python tag (pip's own wheel cache is not
# keyed by CPU or CMAKE_ARGS, so it stays off for that one build); pip's cache serves the rest
$(VENV)/.full: $(VENV)/.core
	$(BIN)/python tools/llama_wheel.py
	$(BIN)/python -m pip install --quiet -e '.[$(FULL_EXTRAS)]'
	touch $@

# The speed comparison with the `node2vec` and `pecanpy` packages (benchmarks/
# bench_node2vec.py) runs in an environment of its own: both hold numpy below 2.
N2V_VENV := .venv-node2vec
setup-node2vec: $(N2V_VENV)/.installed
$(N2V_VENV)/.installed: pyproject.toml
	test -x $(N2V_VENV)/bin/python || $(PYTHON) -m venv $(N2V_VENV)
	$(N2V_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(N2V_VENV)/bin/python -m pip install --quiet -e '.[node2vec]' 'numpy<2' \
	  'node2vec>=0.5' 'pecanpy>=2'
	touch $@

# the oldest supported Python, core only: import, one benchmark cell, one screen import
smoke:
	PYTHON="$(OLDEST_PYTHON)" bash tools/smoke_oldest.sh

data-core: setup-core
	$(BIN)/pqstats fetch --quiet

data: setup data-core

# the suite on both cores (pytest-xdist), one test file per worker at a time, so a file's
# module fixtures (the knowledge graph, a llama.cpp server) start once; the caches under
# data/ are shared safely (written atomically, temp file then rename). Then the documentation.
TEST_JOBS ?= 2
test: setup data
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadfile
	$(MAKE) docs

# the documentation site, offline, warnings as errors -> docs/_build/html
.PHONY: docs
docs: setup
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# the whole benchmark in one call (pqstats.benchmark.make_benchmark): every cell, the oracles,
# the best cells' comparisons and protocols, the learning curves of the cell lines (logistic,
# both tasks, sizes 0,30,100,300,all, two draws) and the report with its figures
# (screens and curves run two at a time, one process each: same numbers as one at a time)
BENCH_JOBS  ?= 2
benchmark: setup-core data-core
	$(BIN)/pqstats benchmark --track strict,transfer,zero-shot --out results --curves \
	  --n-jobs $(BENCH_JOBS)

# redraw results/benchmark.md and the figures from results/ (no refitting)
report: setup-core data-core
	$(BIN)/pqstats report --out results

ablation: setup data
	$(BIN)/pqstats benchmark --ablation --out results

# the model-selection experiments behind the shipped defaults, by CV on training splits
# only; each writes its table to experiments/results/ (tens of minutes on 2 cores)
select: setup data
	$(BIN)/python experiments/run.py

# the GSE description rule, chosen by nested CV over the 77 labelled clusters (a few minutes)
gse-select: setup data
	$(BIN)/python experiments/gse_rule.py

bench: setup setup-node2vec data
	@mkdir -p results
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

# Summer with the local Gemma 3 270M on a K562 sample (DE, Dir) and GSE clusters: about
# 6 minutes on 2 free cores (16 while another job shared them). Another model: make llm-demo
# SUMMER_ARGS='--model PATH.gguf' (or '--server URL'); the CLI's defaults: SUMMER_DEMO=
SUMMER_DEMO ?= --n-pairs 60 --samples 2 --reasoning-tokens 8 --gse-clusters 12
llm-demo: setup data
	$(BIN)/pqstats summer run --dataset k562 --tasks de,dir,gse $(SUMMER_DEMO) $(SUMMER_ARGS)

lint: setup
	$(BIN)/ruff check pqstats tests benchmarks

clean:
	rm -rf $(VENV) $(N2V_VENV) .venv-smoke *.egg-info .pytest_cache .ruff_cache
