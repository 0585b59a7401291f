# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PLAN ?= examples/neo-noir/film.yaml
DEMO_OUT ?= out/neo-noir
# torch: the pinned CPU build installs locally and quickly; any other pin pulls GBs of CUDA wheels.
TORCH ?= torch==2.13.0

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1

.PHONY: demo test bench schema clean

demo: $(VENV)/.core
	$(BIN)/shotcraft make $(DEMO_PLAN) --out $(DEMO_OUT)

test: $(VENV)/.all
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: $(VENV)/.all
	$(BIN)/python bench/run_all.py

schema: $(VENV)/.core
	$(BIN)/shotcraft schema > schema/film.schema.json

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.core: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.all: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[diffusers,test]"
	touch $(VENV)/.core $@

clean:
	rm -rf $(VENV) out .pytest_cache
