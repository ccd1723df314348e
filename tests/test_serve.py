"""`manage.py serve` (what `make run` ends with) serves the app, runs a worker on the embedded
broker, and stops both cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    url: str, proc: subprocess.Popen | None = None, log: Path | None = None, ceiling: float = 600
) -> int:
    """Poll until the server answers (failing at once if `proc` exits); the ceiling only bounds a
    hung start on a very busy machine."""
    deadline = time.monotonic() + ceiling
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}:\n{log.read_text() if log else ''}")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
                return response.status
        except Exception as exc:  # noqa: BLE001 - server still starting
            last_error = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered: {last_error}\n{log.read_text() if log else ''}")


def banner_last(output: str) -> bool:
    return (
        "[queues]" in output
        and "Kalliky is running" in output
        and output.rindex("Kalliky is running") > output.rindex("[queues]")
    )


def test_serve_answers_http_and_stops_both_processes_on_ctrl_c(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "LOG_LEVEL"}
    }
    env["KALLIKY_VAR_DIR"] = str(tmp_path / "var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    port = free_port()
    # Into a file, not a pipe nobody reads until the end: a full pipe would stall the server.
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/api/openapi.json", proc, log) == 200
        assert wait_for(f"http://127.0.0.1:{port}/accounts/login/", proc, log) == 200
        # A task sent through the embedded filesystem broker is consumed by the worker.
        sent = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "kalliky", "call", "kalliky.retry_webhook_events"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert sent.returncode == 0, sent.stderr
        queue = tmp_path / "var" / "broker" / "queue"
        consume_deadline = time.monotonic() + 600
        while any(queue.iterdir()) and time.monotonic() < consume_deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
        assert not any(queue.iterdir()), "the worker never took the task off the queue"
        # The banner comes back once the worker's start-up lines are out.
        ready_deadline = time.monotonic() + 600
        while not banner_last(output := log.read_text()):
            assert proc.poll() is None and time.monotonic() < ready_deadline, output
            time.sleep(0.2)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    output = log.read_text()
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo@kalliky.local" in output
    # The address is printed only once the server answers…
    assert output.index("Uvicorn running on") < output.index("Kalliky is running")
    # …and again after the worker's banner, so it is the last thing on screen.
    assert output.rindex("Kalliky is running") > output.rindex("[queues]")
    assert output.rindex("demo@kalliky.local") > output.rindex("[queues]")
    # Background jobs log at WARNING by default: no line per task (LOG_LEVEL=INFO brings them back).
    assert "succeeded in" not in output
    # Periodic jobs run without another process: the embedded beat keeps its schedule file.
    assert list((tmp_path / "var").glob("celerybeat-schedule*"))
    assert "Stopped." in output
