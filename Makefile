# One command answers "is it green?": make check
PY ?= .venv/bin/python

.PHONY: check lint format typecheck test install

install:
	python3 -m venv .venv && $(PY) -m pip install -e '.[dev]'

lint:
	$(PY) -m ruff check featurecat tests benchmarks catalog
	$(PY) -m ruff format --check featurecat tests benchmarks catalog

format:
	$(PY) -m ruff check --fix featurecat tests benchmarks catalog
	$(PY) -m ruff format featurecat tests benchmarks catalog

typecheck:
	$(PY) -m mypy

test:
	$(PY) -m pytest -n auto --dist loadgroup

check: lint typecheck test
