"""The evaluation: every YAML conversation in tests/ai/scenarios/, played against the local
brain on the demo stores, judged on what ends up in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from ai import scenarios

FOLDER = Path(__file__).parent / "scenarios"
SPECS = scenarios.load_dir(FOLDER)


@pytest.fixture
def demo_data(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _describe(result: scenarios.ScenarioResult) -> str:
    lines = [*result.failures, result.error] if result.error else list(result.failures)
    for turn in result.transcript:
        for who in ("caller", "assistant"):
            if who in turn:
                lines.append(f"  {who}: {turn[who]}")
    return "\n".join(lines)


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s['_file']}:{s['name']}" for s in SPECS])
def test_scenario(spec, demo_data):
    result = scenarios.run(spec)
    assert result.passed, _describe(result)


def test_the_suite_is_broad():
    assert len(SPECS) >= 60
    langs = [s.get("lang") for s in SPECS]
    assert langs.count("fr") >= 0.4 * len(SPECS) and langs.count("en") >= 0.4 * len(SPECS)
    assert {s["store"] for s in SPECS} == {
        "pizzeria-bella-napoli",
        "elegance-hair-salon",
        "cabinet-conseil-durand",
    }
