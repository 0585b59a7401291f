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

.PHONY: demo test bench schema clean system-deps

demo: $(VENV)/.core
	$(BIN)/shotcraft make $(DEMO_PLAN) --out $(DEMO_OUT)

test: $(VENV)/.all system-deps
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
	$(BIN)/python -m pip install --quiet -e ".[diffusers,cloud,ray,draft,music,test]"
	touch $(VENV)/.core $@

# Debian packages the tests drive as independent checks: chromium (studio, through Playwright),
# melt (MLT renders the hand-off timeline), poppler-utils (the one-page PDF rendered to PNG).
SYSTEM_TOOLS := chromium melt pdftoppm
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium melt poppler-utils fonts-dejavu-core; \
	fi

clean:
	rm -rf $(VENV) out .pytest_cache
