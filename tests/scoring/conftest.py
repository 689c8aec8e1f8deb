"""Fixtures of the scoring tests: synthetic warehouses and a registry trained once per session."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ml.retraining import RetrainReport, retrain
from tests.scoring.synthetic_warehouse import Synthetic, build


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    """A synthetic warehouse (marts the model reads) without the consent column."""
    return build(tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def trained(tmp_path_factory, warehouse) -> tuple[Path, RetrainReport]:
    """A registry with one champion trained on the synthetic warehouse, and the retraining's report."""
    models = tmp_path_factory.mktemp("models")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        report = retrain(conn, models)
    return models, report


@pytest.fixture
def consenting_home(tmp_path) -> Path:
    """A YUCHI_HOME whose warehouse has dim_contacts.refused_automated_decisions (5% refused)."""
    home = tmp_path / "yuchi"
    build(home / "warehouse.duckdb", Synthetic(contacts=3000, seed=3, refused_share=0.05))
    return home
