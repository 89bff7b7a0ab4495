# Two commands: `make run` (demo on embedded defaults) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format check-deploy clean restore-drill fuzz-api

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 $(PYTHON)（Python 3.11）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# The stamp lives with the database it describes (VAR_DIR, as in hall/settings.py).
VAR_DIR ?= var
SEED_STAMP := $(VAR_DIR)/.demo-seeded

$(SEED_STAMP): | migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_startup_theme
	touch $(SEED_STAMP)

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_startup_theme

run: install migrate $(SEED_STAMP)
	@bash scripts/run-dev.sh

test: install
	$(PY) -m pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') ALLOWED_HOSTS=hall.example.gov.cn \
		$(PY) manage.py check --deploy --fail-level WARNING

# Restore drill on PostgreSQL ($$DATABASE_URL): dump, restore into a scratch database, compare the
# row counts of every table, run check and /healthz on the copy (docs/production.md).
restore-drill: install
	$(PY) scripts/restore_drill.py

# Schemathesis over the whole API schema as an administrator and as a clerk, bounded
# (FUZZ_EXAMPLES per operation); needs PostgreSQL in $$DATABASE_URL (docs/production.md).
fuzz-api: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-25} $(PY) -m pytest -p no:cacheprovider -q hall/tests/test_api_fuzz.py

clean:
	rm -rf var/celery var/cache var/staticfiles
