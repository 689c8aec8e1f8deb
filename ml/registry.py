"""The model registry: one folder per version under $YUCHI_HOME/models/lead_propensity, never overwritten.

Each version folder holds model.joblib (the fitted pipeline), explainer.json (the reasons' partial
dependence tables) and metadata.json: version, algorithm, training window, data hash, model file hash,
holdout metrics (the baseline's and the champion's on the same holdout too), curves and the feature list.
`champion.json` is the metadata of the version in use. Loading checks the model file's hash against the metadata, so a
swapped or corrupted file is refused rather than unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib

from ml.explanations import Explainer
from ml.features import FeatureSet

MODEL_NAME = "lead_propensity"


@dataclass
class ModelBundle:
    """What scoring needs from a registered version."""

    pipeline: object
    features: FeatureSet
    explainer: Explainer
    metadata: dict

    @property
    def version(self) -> str:
        return self.metadata["version"]


def root(models_dir: Path) -> Path:
    """Gives the registry folder of the lead-propensity model."""
    return Path(models_dir) / MODEL_NAME


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _write_json(path: Path, data: dict) -> None:
    """Writes atomically: a reader never sees half a champion pointer."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(partial, path)


def new_version() -> str:
    """Gives a version id that sorts by creation time."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def save(models_dir: Path, pipeline, features: FeatureSet, explainer: Explainer, metadata: dict) -> dict:
    """Stores a new version (pipeline, explainer, metadata); gives the metadata as written."""
    version = metadata.get("version") or new_version()
    folder = root(models_dir) / version
    folder.mkdir(parents=True, exist_ok=False)
    joblib.dump(pipeline, folder / "model.joblib", compress=3)
    _write_json(folder / "explainer.json", explainer.to_dict())
    written = {
        "model": MODEL_NAME,
        **metadata,
        "version": version,
        "features": asdict(features),
        "model_sha256": _sha256(folder / "model.joblib"),
        "registered_at": datetime.now(UTC).isoformat(),
    }
    _write_json(folder / "metadata.json", written)
    return written


def promote(models_dir: Path, metadata: dict) -> None:
    """Makes the version the champion."""
    _write_json(
        root(models_dir) / "champion.json",
        {"version": metadata["version"], "promoted_at": datetime.now(UTC).isoformat()},
    )


def champion_version(models_dir: Path) -> str | None:
    """Gives the champion's version, or None before the first promotion."""
    pointer = root(models_dir) / "champion.json"
    return json.loads(pointer.read_text(encoding="utf-8"))["version"] if pointer.exists() else None


def metadata(models_dir: Path, version: str) -> dict:
    """Gives a version's metadata."""
    return json.loads((root(models_dir) / version / "metadata.json").read_text(encoding="utf-8"))


def versions(models_dir: Path) -> list[dict]:
    """Gives every registered version's metadata, oldest first."""
    folders = sorted(p for p in root(models_dir).glob("*/metadata.json")) if root(models_dir).exists() else []
    return [json.loads(p.read_text(encoding="utf-8")) for p in folders]


def load(models_dir: Path, version: str) -> ModelBundle:
    """Gives a registered version; raises ValueError if its model file does not match the recorded hash."""
    folder = root(models_dir) / version
    meta = metadata(models_dir, version)
    actual = _sha256(folder / "model.joblib")
    if actual != meta["model_sha256"]:
        raise ValueError(
            f"{folder / 'model.joblib'}: sha256 {actual} does not match metadata.json ({meta['model_sha256']}); "
            "refusing to load a model file that is not the one registered"
        )
    explainer = Explainer.from_dict(json.loads((folder / "explainer.json").read_text(encoding="utf-8")))
    features = FeatureSet(**{k: tuple(v) for k, v in meta["features"].items()})
    return ModelBundle(joblib.load(folder / "model.joblib"), features, explainer, meta)


def load_champion(models_dir: Path) -> ModelBundle:
    """Gives the champion; raises FileNotFoundError before any model was promoted."""
    version = champion_version(models_dir)
    if version is None:
        raise FileNotFoundError(f"no champion model under {root(models_dir)}: train one first")
    return load(models_dir, version)
