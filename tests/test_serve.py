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


def wait_for(url: str, deadline: float) -> int:
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                return response.status
        except Exception as exc:  # noqa: BLE001 - server still starting
            last_error = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered: {last_error}")


def test_serve_answers_http_and_stops_both_processes_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env["KALLIKY_VAR_DIR"] = str(tmp_path / "var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        assert wait_for(f"http://127.0.0.1:{port}/api/openapi.json", deadline) == 200
        assert wait_for(f"http://127.0.0.1:{port}/accounts/login/", deadline) == 200
        # A task sent through the embedded filesystem broker is consumed by the worker.
        sent = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "kalliky", "call", "kalliky.retry_webhook_events"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stderr
        task_id = sent.stdout.strip()
        queue = tmp_path / "var" / "broker" / "queue"
        consume_deadline = time.monotonic() + 60
        while any(queue.iterdir()) and time.monotonic() < consume_deadline:
            time.sleep(0.2)
        assert not any(queue.iterdir()), "the worker never took the task off the queue"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo@kalliky.local" in output
    assert "ready" in output.lower()  # celery prints "celery@host ready." once consuming
    assert f"Task kalliky.retry_webhook_events[{task_id}] succeeded" in output
    assert "beat: Starting" in output  # periodic webhook retries run without another process
    assert "Stopped." in output
