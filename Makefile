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

.PHONY: demo test test-min bench schema clean system-deps

demo: $(VENV)/.core
	$(BIN)/shotcraft make $(DEMO_PLAN) --out $(DEMO_OUT)

test: $(VENV)/.all system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

# The declared floors, proven: a separate venv with every dependency pinned to its lowest declared
# version (tools/min_constraints.py turns `>=X` into `==X`), then the core and diffusers tests.
# torch comes at its floor from the PyTorch CPU index; where that index is unreachable, pass the build that
# installs (`make test-min TORCH_MIN=torch==2.13.0`): torch is then not at its floor, and the report says so.
# The render tests drive ComfyUI (a local fake) through websocket-client, from the cloud extra; the rest of that
# extra stays out (google-genai 3.0 needs pydantic>=2.12.5, above the core floor) and is reported as not proven.
MIN_VENV ?= .venv-min
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_MIN ?=
test-min: system-deps
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python tools/min_constraints.py diffusers cloud test $(if $(TORCH_MIN),--override "$(TORCH_MIN)") > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet $(if $(TORCH_MIN),,--extra-index-url $(TORCH_INDEX)) -c $(MIN_VENV)/constraints.txt -e ".[diffusers,test]" websocket-client
	$(MIN_VENV)/bin/python -m pip freeze > $(MIN_VENV)/installed.txt
	$(MIN_VENV)/bin/python tools/min_constraints.py diffusers cloud test --report $(MIN_VENV)/installed.txt | tee $(MIN_VENV)/floors.txt
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/backends/diffusers tests/plan tests/render tests/test_files.py

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
	rm -rf $(VENV) $(MIN_VENV) out .pytest_cache
