"""Yuchi's learning: point-in-time features, training, evaluation, the model registry and scoring.

Knows nothing of Dagster; orchestration/scoring wires it. OpenMP (scikit-learn's gradient boosting) busy-waits
for work by default, which on a shared machine makes two threads ~6x slower than one (docs/decisions/
2026-11-23-openmp-passive-wait.md); threads that sleep instead keep both cores useful. This must be set before
scikit-learn loads its OpenMP runtime, hence here, and only as a default.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
