# newslake: `make run` ingests the sample articles, `make test` runs the suite.
# Another interpreter gets its own venv: make test PYTHON=python3.13 VENV=.venv313
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench wheel clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/newslake run

test: install
	$(BIN)/ruff check flows tasks tests bench
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check flows tasks tests bench
	$(BIN)/ruff format --check flows tasks tests bench
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql/

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/extractors.py
	$(BIN)/python bench/noop.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/dedupe.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/memory.py

wheel: install
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist .
	@ls dist/newslake-*.whl

clean:
	rm -rf lake build dist .pytest_cache .ruff_cache .mypy_cache
