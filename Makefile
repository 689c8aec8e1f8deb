# Yuchi: `make demo` runs the whole pipeline on generated data; `make test` runs the test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export YUCHI_HOME ?= $(CURDIR)/.yuchi
export DAGSTER_HOME ?= $(YUCHI_HOME)/dagster
PEOPLE ?= 20000
INSTALLED := $(VENV)/.installed

.PHONY: install prepare demo data materialize summary ui test lint clean bench-scoring

$(INSTALLED): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip setuptools wheel
	$(BIN)/pip install -q -e ".[dev,postgres]"
	touch $(INSTALLED)

install: $(INSTALLED)

# Parse the dbt project into its manifest (the prepare step; nothing runs dbt at import time).
prepare: install
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster-dbt project prepare-and-package --file orchestration/transform/project.py

data: install
	$(BIN)/yuchi-demo-data --people $(PEOPLE) --clean

materialize: prepare
	$(BIN)/dagster asset materialize -m orchestration.definitions --select '*'

summary: install
	$(BIN)/yuchi-demo-summary

demo: data materialize summary

ui: prepare
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

test: prepare
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --durations=25

# The dbt project on a local Spark (dbt-spark session method) in its own venv: pyspark must stay out of .venv.
SPARK_VENV := .venv-spark
$(SPARK_VENV)/.installed: pyproject.toml
	test -d $(SPARK_VENV) || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install -q -U pip setuptools wheel
	$(SPARK_VENV)/bin/pip install -q -e ".[dev,postgres,spark]"
	touch $@

.PHONY: test-spark
test-spark: prepare $(SPARK_VENV)/.installed
	$(SPARK_VENV)/bin/python -m pytest -q -m spark tests/platform

# Benchmarks: `make bench SCALE=SF1` (100,000 people), SF10 (1,000,000) or a number of people.
SCALE ?= SF1
.PHONY: bench
bench: prepare
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python -m bench --scale $(SCALE)

# Sync benchmarks on loopback fakes: 10k records under 30% 429/500, a 100k diff with 1% changed, throughput
# against the destination's rate limit. Prints one JSON line per benchmark.
.PHONY: bench-sync
bench-sync: install
	$(BIN)/python -m bench.sync_benchmarks all

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(YUCHI_HOME) dbt_project/target dbt_project/logs

# Lead scoring figures (docs/scoring.md): 200,000 people by default, cached under $(YUCHI_HOME)/bench.
bench-scoring: prepare
	$(BIN)/python bench/scoring/propensity.py $(BENCH_ARGS)

.PHONY: collector bench-collector

# The collector: lands WeChat pushes, form webhooks and tracking calls under $(YUCHI_HOME)/landing (docs/collector.md).
collector: install
	$(BIN)/python -m connectors.collector

bench-collector: install
	$(BIN)/python bench/collector.py

.PHONY: bench-ingest
# Loads about 1M demo JSON Lines events (generated once, kept in .yuchi-bench/) and prints rows/s per table.
bench-ingest: install
	$(BIN)/python bench/ingest.py

# Identity benchmarks (bench/identity/; figures printed and kept in $(YUCHI_HOME)/reports/bench/).
.PHONY: bench-identity bench-identity-stitching bench-identity-quality bench-identity-shared-phone bench-identity-rerun
EDGES ?= 5000000
BENCH_PEOPLE ?= 100000
bench-identity-stitching: prepare
	$(BIN)/python -m bench.identity.stitching --edges $(EDGES)

bench-identity-quality: prepare
	$(BIN)/python -m bench.identity.quality --people $(BENCH_PEOPLE)
	$(BIN)/python -m bench.identity.quality --people $(BENCH_PEOPLE) --probabilistic

bench-identity-shared-phone: prepare
	$(BIN)/python -m bench.identity.shared_phone --contacts 10000

bench-identity-rerun: prepare
	$(BIN)/python -m bench.identity.rerun --people $(BENCH_PEOPLE) --late 0.01

bench-identity: bench-identity-stitching bench-identity-quality bench-identity-shared-phone bench-identity-rerun
