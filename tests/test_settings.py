"""Settings fail loudly on malformed values, and the provider checks refuse a real provider
without its key. Each case starts a fresh interpreter, as a deployment would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kalliky import simulators

ROOT = Path(__file__).resolve().parent.parent


def run_manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    clean.update({"KALLIKY_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "not a url", "DATABASE_URL='not a url' is not a URL"),
        ("AI_BRAIN", "gpt", "AI_BRAIN='gpt' is not valid: use one of local, openai"),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "five", "is not an integer"),
    ],
)
def test_malformed_setting_stops_start_up_with_a_clear_message(tmp_path, name, value, message):
    result = run_manage(tmp_path, "check", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_nothing_set_passes_the_system_check(tmp_path):
    result = run_manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_openai_brain_without_key_fails_the_system_check(tmp_path):
    result = run_manage(tmp_path, "check", AI_BRAIN="openai")
    assert result.returncode != 0
    assert "kalliky.E001" in result.stderr
    assert run_manage(tmp_path, "check", AI_BRAIN="openai", OPENAI_API_KEY="sk-test").returncode == 0


def test_telnyx_key_without_public_key_fails_the_system_check(tmp_path):
    result = run_manage(tmp_path, "check", TELNYX_API_KEY="KEYxyz")
    assert "kalliky.E002" in result.stderr


def test_stripe_key_without_webhook_secret_and_prices_fails_the_system_check(tmp_path):
    result = run_manage(tmp_path, "check", STRIPE_SECRET_KEY="sk_test_123")
    assert "kalliky.E003" in result.stderr
    assert "STRIPE_WEBHOOK_SECRET" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-value-0123456789",
        ALLOWED_HOSTS="kalliky.example.com",
        PUBLIC_BASE_URL="https://kalliky.example.com",
    )
    assert result.returncode == 0, result.stderr


def test_production_with_the_dev_secret_key_is_refused(tmp_path):
    result = run_manage(tmp_path, "check", DEBUG="false", ALLOWED_HOSTS="kalliky.example.com")
    assert "kalliky.E004" in result.stderr


def test_the_asgi_server_refuses_to_start_without_the_provider_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(KALLIKY_VAR_DIR=str(tmp_path / "var"), AI_BRAIN="openai")
    result = subprocess.run(
        [sys.executable, "-c", "import kalliky.asgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "kalliky.E001: AI_BRAIN=openai but OPENAI_API_KEY is empty." in result.stderr
    env.pop("AI_BRAIN")
    assert (
        subprocess.run(
            [sys.executable, "-c", "import kalliky.asgi"], cwd=ROOT, env=env, timeout=120
        ).returncode
        == 0
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-value-0123456789",
    "ALLOWED_HOSTS": "kalliky.example.com",
    "PUBLIC_BASE_URL": "https://kalliky.example.com",
}


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"TELNYX_API_KEY": simulators.TELNYX_API_KEY, "TELNYX_PUBLIC_KEY": "cmVhbA=="}, "TELNYX_API_KEY"),
        ({"TELNYX_API_KEY": "K", "TELNYX_PUBLIC_KEY": simulators.telnyx_public_key()}, "TELNYX_PUBLIC_KEY"),
        (
            {
                "STRIPE_SECRET_KEY": simulators.STRIPE_SECRET_KEY,
                "STRIPE_WEBHOOK_SECRET": "whsec_real",
                "STRIPE_PRICE_STARTER": "price_a",
                "STRIPE_PRICE_PRO": "price_b",
            },
            "STRIPE_SECRET_KEY",
        ),
    ],
)
def test_the_deploy_check_refuses_the_simulators_keys(tmp_path, keys, named):
    result = run_manage(tmp_path, "check", "--deploy", **PRODUCTION, **keys)
    assert result.returncode != 0
    assert "kalliky.E005" in result.stderr
    assert named in result.stderr


def test_production_serve_refuses_to_start_the_simulator_unless_told(tmp_path):
    env = {**PRODUCTION, "TELNYX_API_KEY": "", "TELNYX_PUBLIC_KEY": ""}
    result = run_manage(tmp_path, "serve", "--port", "1", **env)
    assert result.returncode != 0
    assert "DEBUG is off and TELNYX_API_KEY is empty" in result.stderr
    assert "--simulator" in result.stderr
    assert "Starting Kalliky" not in result.stdout  # nothing was started
