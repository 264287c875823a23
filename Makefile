# Accord. `make demo` runs the product on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
DEMO_PORT ?= 8000

.PHONY: install demo test lint audit format bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

demo: export DEBUG ?= 1
demo: export DEMO_PORT := $(DEMO_PORT)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Accord is starting at http://127.0.0.1:$(DEMO_PORT)/  (Ctrl-C stops web, worker and scheduler)"
	PATH="$(abspath $(BIN)):$$PATH" exec $(BIN)/honcho -f Procfile.demo start

test: install lint
	@bash .ci/ensure-chromium
	$(BIN)/python -m pytest -n auto -m "not browser" $(PYTEST_ARGS)
	@# The browser tests in processes of their own (see tests/browser/conftest.py); none selected is fine.
	$(BIN)/python -m pytest -n auto -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@BIN=$(BIN) bash .ci/pip-audit

# The dependency audit alone, failing when no vulnerability data can be reached.
audit: install
	BIN=$(BIN) AUDIT_REQUIRED=1 bash .ci/pip-audit

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
