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

# results/benchmark.csv, results/benchmark.md and results/figures/*.png; then the learning
# curves of the cell lines (one model, both tasks; fewer sizes than the CLI's default to keep
# the whole target within 10 minutes on 2 cores), and the report redrawn with them.
# CURVE_LINES: every cell line whose files are here (Jurkat too, where its files are),
# asked of pqstats when the recipe runs, after setup
CURVE_LINES ?= $$($(BIN)/python -c 'from pqstats.benchmark import available_cell_lines as a; print(*a())')
CURVE_TASKS ?= dir de
CURVE_ARGS  ?= --model logistic --sizes 0,30,100,300,all --repeats 2
# (screens and curves run two at a time, one process each: same numbers as one at a time)
BENCH_JOBS  ?= 2
benchmark: setup data
	$(BIN)/pqstats benchmark --track strict,transfer,zero-shot --out results --no-figures \
	  --n-jobs $(BENCH_JOBS)
	lines="$(CURVE_LINES)" && for line in $$lines; do for task in $(CURVE_TASKS); do \
	  echo $$line-$$task; done; done \
	  | xargs -P $(BENCH_JOBS) -I CURVE sh -c \
	  '$(BIN)/pqstats learning-curve --dataset $${0%-*} --task $${0##*-} $(CURVE_ARGS) \
	    --out results/learning_curve/$$0' CURVE
	$(BIN)/pqstats report --out results

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

# the GSE description rule, chosen by nested CV over the 77 labelled clusters (a few minutes)
gse-select: setup data
	$(BIN)/python experiments/gse_rule.py

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
