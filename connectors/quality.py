"""Great Expectations suites for the raw tables, derived from each channel's landing contract.

Kept free of Dagster so a script or notebook can validate a raw table the same way the asset checks do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine

from connectors.sources.contract import Entity

E164 = r"^\+[1-9][0-9]{6,14}$"
EMAIL = r"^[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}$"

logging.getLogger("great_expectations").setLevel(logging.WARNING)
# GX fingerprints every dataframe under this many bytes (pandas' row hashing) into a batch marker that nothing
# here reads: half the time of a suite on a 500,000-row frame (web tracking at SF10: 3.3 of 6.9 s). No setting
# turns it off; a threshold of 0 does.
pandas_execution_engine.HASH_THRESHOLD = 0


@dataclass
class SuiteResult:
    """The outcome of one suite on one table: overall success and each expectation's result."""

    success: bool
    results: list[dict]

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.results if not r["success"]]


def expectations_for(entity: Entity) -> list[gxe.Expectation]:
    """Gives the expectations a raw table must meet: required fields present, identifiers well formed."""
    suite: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(column="_record_hash"),
        gxe.ExpectColumnValuesToNotBeNull(column="_source_file"),
    ]
    suite += [gxe.ExpectColumnValuesToNotBeNull(column=f.name) for f in entity.fields if f.required]
    for ident in entity.identifier_fields:
        column = f"{ident.name}_normalized"
        if ident.id_type == "phone":
            suite.append(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=E164))
        elif ident.id_type == "email":
            suite.append(gxe.ExpectColumnValuesToMatchRegex(column=column, regex=EMAIL))
    suite += [
        gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(values))
        for name, values in entity.allowed_values.items()
    ]
    return suite


def suite_columns(entity: Entity) -> list[str]:
    """Gives the columns the entity's suite reads: the rest of a raw row (payloads, JSON) is never loaded."""
    return sorted({expectation.column for expectation in expectations_for(entity)})


class SuiteValidator:
    """One entity's suite in an ephemeral GX context, run on frame after frame (chunks of one table)."""

    def __init__(self, entity: Entity) -> None:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = context.data_sources.add_pandas(name=f"raw_{entity.table}").add_dataframe_asset(
            name=entity.table
        )
        self._batches = asset.add_batch_definition_whole_dataframe("all")
        self._suite = gx.ExpectationSuite(name=f"raw_{entity.table}", expectations=expectations_for(entity))

    def validate(self, frame: pd.DataFrame) -> SuiteResult:
        outcome = self._batches.get_batch(batch_parameters={"dataframe": frame}).validate(self._suite)
        results = [
            {
                "expectation": r.expectation_config.type,
                "column": r.expectation_config.kwargs.get("column"),
                "success": bool(r.success),
                "unexpected_count": r.result.get("unexpected_count"),
                "partial_unexpected": [str(v) for v in (r.result.get("partial_unexpected_list") or [])[:5]],
            }
            for r in outcome.results
        ]
        return SuiteResult(success=all(r["success"] for r in results), results=results)


def validate_frame(entity: Entity, frame: pd.DataFrame) -> SuiteResult:
    """Runs the entity's suite on a frame of its raw table."""
    return SuiteValidator(entity).validate(frame)


def validate_chunks(entity: Entity, frames: Iterable[pd.DataFrame]) -> tuple[SuiteResult, int]:
    """Runs the suite on each frame (consecutive chunks of one table) and combines the outcomes as one run on
    the whole table would give them: each expectation succeeds when it succeeded on every chunk, unexpected
    values are counted over all chunks, and the first five are shown. Memory stays at one chunk, whatever the
    table's size. Gives (combined result, rows validated)."""
    validator = SuiteValidator(entity)
    combined: SuiteResult | None = None
    rows = 0
    for frame in frames:
        outcome = validator.validate(frame)
        rows += len(frame)
        combined = outcome if combined is None else _combine(combined, outcome)
    if combined is None:
        raise ValueError(f"raw.{entity.table}: no frame to validate (give at least one, possibly empty)")
    return combined, rows


def _combine(first: SuiteResult, second: SuiteResult) -> SuiteResult:
    results = []
    for a, b in zip(first.results, second.results, strict=True):
        counts = [c for c in (a["unexpected_count"], b["unexpected_count"]) if c is not None]
        results.append(
            a
            | {
                "success": a["success"] and b["success"],
                "unexpected_count": sum(counts) if counts else None,
                "partial_unexpected": (a["partial_unexpected"] + b["partial_unexpected"])[:5],
            }
        )
    return SuiteResult(success=first.success and second.success, results=results)
