"""Generates the demo funnel into the landing folder, and the ground truth beside it.

Seeded and reproducible: the same config gives byte-identical files. People are streamed one at a time (their
records written as soon as their journey is made), so a million people fit in memory. Ground truth (the person
behind every identifier and record, the true propensity, which rows were deliberately broken) goes to
ground_truth/, which the pipeline never reads; tests and benchmarks compare the warehouse against it.
"""

from __future__ import annotations

import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors.demo import web_visits
from connectors.demo.breakage import break_record
from connectors.demo.channels import Emitted, Journey, World
from connectors.demo.ground_truth import TruthWriter, merge_parts
from connectors.demo.landing_files import LandingWriter
from connectors.demo.people import iter_people

CHINA = timezone(timedelta(hours=8))
NOT_DUPLICATED = ("crm_outcomes",)


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: how many people, over how many days, with how much mess."""

    people: int = 20000
    seed: int = 7
    days: int = 120
    end: datetime = datetime(2026, 11, 1, tzinfo=CHINA)
    junk_rate: float = 0.03
    invalid_rate: float = 0.02
    duplicate_rate: float = 0.02


def generate(config: DemoConfig, home: Path, jobs: int | None = None) -> dict:
    """Writes landing files under home/landing and ground truth under home/ground_truth; gives the summary.

    With jobs > 1 the people are generated in that many parallel parts (each with its own random stream and
    files named ...-p<part>); the same seed and jobs give the same bytes. Default: one part below 50,000 people.
    """
    jobs = jobs or (1 if config.people < 50_000 else min(4, os.cpu_count() or 1))
    if jobs == 1:
        return _generate_part(config, home, home / "ground_truth", 0, 1)
    sizes = [config.people // jobs + (part < config.people % jobs) for part in range(jobs)]
    context = multiprocessing.get_context("fork")  # no connections are open here: forking is safe and fast
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [
            pool.submit(
                _generate_part, config, home, home / "ground_truth" / "parts" / f"p{part}", part, jobs, sizes
            )
            for part in range(jobs)
        ]
        summaries = [future.result() for future in futures]
    return merge_parts(home / "ground_truth", summaries, config)


def _generate_part(
    config: DemoConfig, home: Path, truth_folder: Path, part: int, parts: int, sizes: list[int] | None = None
) -> dict:
    rng = random.Random(config.seed if parts == 1 else f"{config.seed}:{part}/{parts}")
    name = f"p{part}" if parts > 1 else ""
    first = sum((sizes or [])[:part])
    people = sizes[part] if sizes else config.people
    start = config.end - timedelta(days=config.days)
    writer = LandingWriter(home / "landing", config.end, name)
    truth = TruthWriter(truth_folder, config)
    world = World(name)
    crm_number = 0
    try:
        for person in iter_people(people, rng, first, part, parts):
            web_visits.equip(person, rng)
            journey = Journey(person, start, config.end, rng, config.junk_rate, world)
            records = journey.run()
            outcome = journey.crm_outcome(crm_number * parts + part)
            if outcome:
                crm_number += 1
                records.append(outcome)
            records = [r for r in records if r.occurred_at < config.end]
            records += [
                _duplicate(r)
                for r in records
                if rng.random() < config.duplicate_rate and r.table not in NOT_DUPLICATED
            ]
            for record in records:
                if not record.invalid_reason and rng.random() < config.invalid_rate:
                    break_record(record, rng)
            for record in records:
                truth.record(record, writer.write(record))
            truth.person(person, records)
    finally:
        writer.close()
    return truth.close()


def _duplicate(record: Emitted) -> Emitted:
    """Gives the same record landing twice (a double submit, a re-export, a retried webhook)."""
    return Emitted(
        record.table,
        record.occurred_at,
        dict(record.payload),
        record.person_id,
        invalid_reason=record.invalid_reason,
        identifiers=list(record.identifiers),
        file_key=record.file_key,
        file_format=record.file_format,
        header=record.header,
        referrer=record.referrer,
    )
