"""`make run` without Telnyx keys: `manage.py serve` starts the Telnyx simulator next to the app,
and `manage.py simulate_call` calls the demo pizzeria from the terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from tests.system_tools import needs_speech
from tests.telephony.test_calls_e2e import ORDER_TURNS
from tests.test_serve import ROOT, free_port, wait_for


def _demo_env(tmp_path, **extra: str) -> dict[str, str]:  # noqa: ANN001 - pytest's tmp_path
    """The environment of a fresh `make run` (no Telnyx keys, own var/), migrated and seeded."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"} and not k.startswith("TELNYX_")
    }
    env["KALLIKY_VAR_DIR"] = str(tmp_path / "var")
    env.update(extra)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
    return env


def _serve(env: dict[str, str], port: int, simulator_port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--simulator-port", str(simulator_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/api/openapi.json", server) == 200
        assert wait_for(f"http://127.0.0.1:{simulator_port}/_sim/info", server) == 200
    except BaseException:
        server.kill()
        raise
    return server


@pytest.mark.parametrize("reactions", ["threads", "reactor"])
def test_a_newcomer_calls_the_demo_pizzeria_from_the_terminal(tmp_path, reactions):
    """`threads`: the web process reacts (make run); `reactor`: serve also starts
    `manage.py telnyx_reactor`, which reacts to what the web process stored."""
    env = _demo_env(tmp_path, TELNYX_REACTIONS=reactions)
    port, simulator_port = free_port(), free_port()
    simulator = f"http://127.0.0.1:{simulator_port}"
    server = _serve(env, port, simulator_port)
    try:
        scripted = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "simulate_call",
                "--to",
                "+33100000001",
                "--say",
                "Quels sont vos horaires ?",
                "--simulator",
                simulator,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert scripted.returncode == 0, scripted.stdout + scripted.stderr
        lines = scripted.stdout.splitlines()
        said = [line for line in lines if line.startswith("Assistant: ")]
        assert len(said) >= 2, scripted.stdout
        assert "Bella Napoli" in said[0]
        assert "18:30" in " ".join(said[1:]), scripted.stdout  # the pizzeria's evening hours
        assert any(line.startswith("Call ") and line.endswith(" s.") for line in lines), scripted.stdout

        # Without --say the caller types; an empty line hangs up.
        typed = subprocess.run(
            [sys.executable, "manage.py", "simulate_call", "--to", "+33100000001", "--simulator", simulator],
            cwd=ROOT,
            env=env,
            input="Bonjour\n\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert typed.returncode == 0, typed.stdout + typed.stderr
        assert typed.stdout.count("Assistant: ") >= 2 and "You hung up." in typed.stdout
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    assert "Telnyx simulator at" in output, output
    assert f"Reactions:  {reactions}" in output, output
    if reactions == "reactor":
        assert "telnyx reactor: reacting to call events (a scan every 50 ms)" in output, output
        assert "telnyx reactor: stopped" in output, output
    assert server.returncode == 0, output


def test_simulate_call_explains_what_to_do_when_the_simulator_is_not_running():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "simulate_call",
            "--to",
            "+33100000001",
            "--simulator",
            f"http://127.0.0.1:{free_port()}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "make run" in result.stderr


@needs_speech
def test_simulate_call_with_voice_speaks_on_the_media_stream(tmp_path):
    """`VOICE_MEDIA_STREAMS=true make run` + `simulate_call --voice`: the demo pizzeria (Pro plan)
    streams the call, the typed words are spoken on the line, the assistant answers with audio."""
    port, simulator_port = free_port(), free_port()
    env = _demo_env(tmp_path, VOICE_MEDIA_STREAMS="true", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    simulator = f"http://127.0.0.1:{simulator_port}"
    server = _serve(env, port, simulator_port)
    try:
        voiced = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "simulate_call",
                "--voice",
                "--lang",
                "fr",
                "--to",
                "+33100000001",
                "--say",
                "Quels sont vos horaires ?",
                "--simulator",
                simulator,
                "--wait",
                "30",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert voiced.returncode == 0, voiced.stdout + voiced.stderr
        said = [line for line in voiced.stdout.splitlines() if line.startswith("Assistant: (")]
        assert len(said) >= 2, voiced.stdout  # the greeting, then the answer, both as audio
        assert "18:30" in voiced.stdout, voiced.stdout  # the transcript printed after the hang-up
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)


def _manage(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_simulate_call_now_lets_a_newcomer_order_from_a_closed_store(tmp_path):
    """At 4 a.m. the demo pizzeria is closed: simulate_call says so and suggests --now; with it,
    the call runs at that time and the order lands in the app's database."""
    env = _demo_env(tmp_path)
    closing = (
        "from stores.models import Store; from tests.factories import closed_until; "
        "print(closed_until(Store.objects.get(slug='pizzeria-bella-napoli')).strftime('%Y-%m-%d %H:%M'))"
    )
    opening = _manage(env, "shell", "-c", closing).stdout.strip().splitlines()[-1]
    port, simulator_port = free_port(), free_port()
    simulator = f"http://127.0.0.1:{simulator_port}"
    server = _serve(env, port, simulator_port)
    try:
        call = ["simulate_call", "--to", "+33100000001", "--simulator", simulator]
        closed = _manage(env, *call, input="\n")
        assert closed.returncode == 0, closed.stdout + closed.stderr
        assert "is closed now" in closed.stdout and f'--now "{opening}"' in closed.stdout, closed.stdout

        turns = [arg for text in ORDER_TURNS for arg in ("--say", text)]
        ordered = _manage(env, *call, "--now", opening, *turns)
        assert ordered.returncode == 0, ordered.stdout + ordered.stderr
        assert "Pretending it is" in ordered.stdout and "is closed now" not in ordered.stdout
        assert "Order #" in ordered.stdout, ordered.stdout
        count = "from stores.models import Order; print(Order.objects.filter(conversation_outcome__isnull=False).count())"  # noqa: E501
        assert _manage(env, "shell", "-c", count).stdout.strip().splitlines()[-1] == "1"

        refused = _manage(env, *call, "--now", "lundi midi")
        assert refused.returncode != 0 and "--now" in refused.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)
