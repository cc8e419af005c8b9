# `make run` and `make test` set everything up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# test processes (pytest-xdist): the browser tests run in four xdist groups of about equal length, one per
# process; they wait on the browser and the server part of the time, and the other tests fill it
TEST_WORKERS ?= 4

.PHONY: run test lint imports unit bench campaign sample screenshots lock clean

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

## Start the dashboard (builds data/momentum.duckdb from sample_data/ on first run).
run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Lint, import-boundary check and every test.
test: $(STAMP) lint imports unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .

imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

unit: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

## Every benchmark at 10k, 100k and 1M sessions, and the scale curve (not part of `make test`).
bench: $(STAMP)
	$(PY) -m pipelines bench all --sessions 10000 100000 1000000 --repeat 3 --plot docs/scale-curve.png

## The security and reliability campaign at full size (about an hour; not part of `make test`,
## which runs the same tests smaller). Figures go to docs/reliability.md by hand.
campaign: $(STAMP)
	MOMENTUM_FUZZ_VARIANTS=300 MOMENTUM_VENDOR_FUZZ_VARIANTS=150 MOMENTUM_INGEST_KILLS=60 MOMENTUM_APP_KILLS=100 \
		MOMENTUM_SCOPE_PRACTICES=1000 MOMENTUM_REFRESH_SEQUENCES=200 \
		$(PY) -m pytest -s -p no:cacheprovider tests/test_ingest_fuzz.py tests/test_vendor_fuzz.py tests/test_csv_counts.py \
		tests/test_crash_safety.py \
		tests/test_faults.py tests/test_backup.py tests/test_scope_property.py tests/test_xss.py
	MOMENTUM_COOKIE_REPLAYS=20 $(PY) -m pytest -s -p no:cacheprovider tests/test_browser.py \
		-k "replayed or disabled or absolute or lockout or idle"
	$(PY) -m tests.campaign.auth_timing --tries 40
	$(PY) -m tests.campaign.load --sessions 5 10 15 25 --duration-s 60
	$(PY) -m tests.campaign.ws_load --sessions 10 25 50 --duration-s 90 --browsers 5
	$(PY) -m tests.campaign.ws_load --replicas --sessions 25 50 --duration-s 90

## Regenerate the committed synthetic practice.
sample: $(STAMP)
	$(PY) -m pipelines sample --out sample_data --seed 7 --as-of 2026-11-22

## Refresh docs/screenshots/ from the browser tests (needs Chromium).
screenshots: $(STAMP)
	MOMENTUM_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/test_browser.py -q

## Re-pin every package after changing pyproject.toml.
lock: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]' && $(PY) -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock.new && mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
