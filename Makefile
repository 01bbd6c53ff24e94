# qa_app: `make run` serves the app with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
GOVUK := node_modules/govuk-frontend/dist/govuk
STATIC := qa_app/static/govuk

.PHONY: run test test-sqlite test-postgres test-browser install assets system-test-deps migrate clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC)/.copied: node_modules/.installed Makefile
	rm -rf $(STATIC) && mkdir -p $(STATIC)
	cp $(GOVUK)/govuk-frontend.min.js $(STATIC)/
	# GDS Transport is licensed for GOV.UK services only: drop its font faces, so every rule that
	# names it falls back to the next font in its stack (Arial), and do not ship the font files.
	sed -E 's/@font-face\{[^}]*\}//g' $(GOVUK)/govuk-frontend.min.css > $(STATIC)/govuk-frontend.min.css
	cp -r $(GOVUK)/assets $(STATIC)/assets && rm -rf $(STATIC)/assets/fonts
	touch $@

install: $(VENV)/.installed node_modules/.installed
assets: $(STATIC)/.copied

migrate: install
	$(FLASK) db upgrade
	$(FLASK) templates sync

# The web server and a background-job worker (large exports and imports) together; Ctrl+C stops both.
run: install assets migrate
	$(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT), with a background-job worker"
	@$(FLASK) jobs worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian packages the tests use, when missing: chromium (browser tests), PostgreSQL (the suite runs
# on it too), LibreOffice Calc and poppler (the exported workbook is opened by a real spreadsheet program),
# Pango and a font (WeasyPrint draws the board pack PDF with them).
system-test-deps:
	@missing=""; lean=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v soffice >/dev/null || lean="$$lean libreoffice-calc"; \
	command -v pdftoppm >/dev/null || lean="$$lean poppler-utils"; \
	ldconfig -p | grep -q libpangoft2-1.0.so.0 || lean="$$lean libpango-1.0-0 libpangoft2-1.0-0"; \
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || lean="$$lean fonts-dejavu-core"; \
	if [ -n "$$missing$$lean" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Please install:$$missing$$lean (Debian packages)"; exit 1; fi; \
	  echo "Installing$$missing$$lean"; apt-get update -qq; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  if [ -n "$$missing" ]; then apt-get install -y -qq $$missing >/dev/null || exit 1; fi; \
	  if [ -n "$$lean" ]; then apt-get install -y -qq --no-install-recommends $$lean >/dev/null || exit 1; fi; \
	fi

test: install assets system-test-deps
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Two workers (the machines have two cores); each test has a database of its own.
PYTEST := $(PY) -m pytest -q -p no:cacheprovider -n 2

test-sqlite:
	$(PYTEST)

test-postgres:
	tests/with_postgres.sh $(PYTEST) -m "not browser"

clean:
	rm -rf $(VENV) node_modules $(STATIC) instance
