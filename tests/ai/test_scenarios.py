"""The assistant's evaluation: every conversation in tests/ai/scenarios/*.yaml is played against
the local brain on the three demo stores and judged on what it leaves in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from ai import scenarios

SCENARIOS = scenarios.load_dir(Path(__file__).parent / "scenarios")
DEMO_STORES = {"pizzeria-bella-napoli", "elegance-hair-salon", "cabinet-conseil-durand"}


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _param(spec: dict) -> object:
    # A scenario the engine does not handle yet says why under `known_gap`; it still runs, and the
    # day it passes the strict xfail fails the suite so the marker is removed.
    marks = [pytest.mark.xfail(strict=True, reason=spec["known_gap"])] if spec.get("known_gap") else []
    return pytest.param(spec, id=f"{spec['_file']}:{spec['name']}", marks=marks)


@pytest.mark.parametrize("spec", [_param(s) for s in SCENARIOS])
def test_scenario(spec, seeded):
    result = scenarios.run(spec)
    assert result.passed, result.explain()


def test_the_suite_covers_both_languages_and_every_demo_store():
    total = len(SCENARIOS)
    assert total >= 60
    langs = [s.get("lang") for s in SCENARIOS]
    assert langs.count("fr") >= 0.4 * total, langs.count("fr")
    assert langs.count("en") >= 0.4 * total, langs.count("en")
    assert {s["store"] for s in SCENARIOS} == DEMO_STORES
    ids = [(s["_file"], s["name"]) for s in SCENARIOS]
    assert len(ids) == len(set(ids)), "scenario names must be unique within a file"
