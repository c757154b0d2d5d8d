# pqstats — one command for each job. `make test` and `make benchmark` set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
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

.PHONY: setup data test benchmark report ablation select gse-select bench lint clean llm-demo

setup: $(VENV)/.installed

# no pip cache: a llama.cpp wheel cached from another CPU or other CMAKE_ARGS would be
# reused as it is
$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-cache-dir -e '.[dev,text,dask,ray,llm]'
	touch $@

data: setup
	$(BIN)/pqstats fetch --quiet

test: setup data
	$(BIN)/python -m pytest -q

# the whole benchmark in one call (pqstats.benchmark.make_benchmark): every cell, the oracles,
# the best cells' comparisons and protocols, the learning curves of the cell lines (logistic,
# both tasks, sizes 0,30,100,300,all, two draws) and the report with its figures
# (screens and curves run two at a time, one process each: same numbers as one at a time)
BENCH_JOBS  ?= 2
benchmark: setup data
	$(BIN)/pqstats benchmark --track strict,transfer,zero-shot --out results --curves \
	  --n-jobs $(BENCH_JOBS)

# redraw results/benchmark.md and the figures from results/ (no refitting)
report: setup data
	$(BIN)/pqstats report --out results

ablation: setup data
	$(BIN)/pqstats benchmark --ablation --out results

select: setup data
	$(BIN)/python benchmarks/model_selection.py
	$(BIN)/python benchmarks/strict_selection.py
	$(BIN)/python benchmarks/zero_shot_selection.py
	$(BIN)/python benchmarks/few_shot_selection.py
	$(BIN)/python benchmarks/within_gene_selection.py
	$(BIN)/python benchmarks/zero_shot_ensemble.py
	$(BIN)/python benchmarks/learned_metric_selection.py
	$(BIN)/python benchmarks/zero_shot_unmeasured_genes.py
	$(BIN)/python benchmarks/strict_dir_attempts.py
	$(BIN)/python benchmarks/other_task_selection.py
	$(BIN)/python benchmarks/ensemble_selection.py
	$(BIN)/python benchmarks/boosting_selection.py
	$(BIN)/python benchmarks/factors_selection.py
	$(BIN)/python benchmarks/response_structure_attempts.py
	$(BIN)/python benchmarks/smoothing_selection.py

# the GSE description rule, chosen on synthetic clusters without the 77 labels (a few minutes)
gse-select: setup data
	$(BIN)/python benchmarks/gse_selection.py

bench: setup data
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
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
