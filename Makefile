# The two commands: `make run` starts the whole demo, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test install browser nginx lint test-sqlite test-postgres clean

run: $(STAMP)
	$(BIN)/pledge demo

test: $(STAMP) browser nginx lint test-sqlite test-postgres

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The end-to-end tests drive Debian's chromium (Playwright's own download does not work here).
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# The access log test runs a real nginx, configured by `pledge logs nginx-config`.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx-light for the access log test"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy pledge
	$(BIN)/pledge check --fail-level WARNING
	$(BIN)/pledge makemigrations --check --dry-run
	$(BIN)/pledge policy check

test-sqlite: $(STAMP)
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -q

test-postgres: $(STAMP)
	@$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=5).close()" \
	  || { echo "PostgreSQL at $(PG_URL) is not reachable: the suite must run on it too"; exit 1; }
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q

clean:
	rm -rf $(VENV) var test-artifacts
