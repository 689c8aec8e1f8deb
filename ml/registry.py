"""The model registry: one folder per version under $YUCHI_HOME/models, a metadata JSON beside each model.

`champion.json` names the version in use. A newly trained model is promoted only if it beats the champion on
the same holdout metric; otherwise it is kept, recorded and not used.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import joblib

from ml.features import FeatureSet
from ml.training import TrainedModel

MODEL_NAME = "lead_propensity"


def _root(models_dir: Path) -> Path:
    return models_dir / MODEL_NAME


def champion(models_dir: Path) -> dict | None:
    """Gives the champion's metadata, or None before the first promotion."""
    pointer = _root(models_dir) / "champion.json"
    return json.loads(pointer.read_text()) if pointer.exists() else None


def register(models_dir: Path, model: TrainedModel, champion_roc_auc: float | None) -> tuple[dict, bool]:
    """Saves the model as a new version; promotes it when it is at least as good as the champion was on the
    same holdout. Gives the metadata and whether it was promoted."""
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = _root(models_dir) / version
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model.pipeline, folder / "model.joblib")
    metadata = {
        "model": MODEL_NAME,
        "version": version,
        "algorithm": model.name,
        "metrics": model.metrics,
        "features": asdict(model.features),
        "data_hash": model.data_hash,
        "n_train": model.n_train,
        "n_holdout": model.n_holdout,
        "trained_at": datetime.now(UTC).isoformat(),
    }
    promoted = champion_roc_auc is None or model.metrics["roc_auc"] >= champion_roc_auc
    metadata["promoted"] = promoted
    metadata["champion_roc_auc_on_same_holdout"] = champion_roc_auc
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2))
    if promoted:
        (_root(models_dir) / "champion.json").write_text(json.dumps(metadata, indent=2))
    return metadata, promoted


def load_champion(models_dir: Path):
    """Gives (pipeline, FeatureSet, metadata) of the champion; raises FileNotFoundError before any training."""
    meta = champion(models_dir)
    if meta is None:
        raise FileNotFoundError(f"no champion model under {_root(models_dir)}: train one first")
    pipeline = joblib.load(_root(models_dir) / meta["version"] / "model.joblib")
    features = FeatureSet(**{k: tuple(v) for k, v in meta["features"].items()})
    return pipeline, features, meta
