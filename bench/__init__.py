"""Yuchi's benchmarks: `make bench SCALE=SF1|SF10|<people>` runs the pipeline stage by stage on generated data.

Every stage runs in a fresh process, so its seconds and peak memory (the whole process tree: Dagster, dbt,
DuckDB) are its own. Floors (the least work any pipeline must do on this data) and peers (other tools doing
the same job on the same input) run in the same session, so ratios compare figures measured side by side.

Adding a benchmark: write bench/<area>.py with functions decorated by `bench.registry.stage(...)`; every module
of this package is imported when the harness starts. See bench/pipeline.py for the pipeline's own stages.
"""
