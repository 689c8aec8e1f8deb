"""Identity resolution algorithms used by the dbt models and the benchmarks: graph stitching, probabilistic
matching with Splink, and quality measured against ground truth. Knows nothing of Dagster."""
