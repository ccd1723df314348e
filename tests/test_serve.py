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
        # The worker reaches its ready state on the filesystem broker under var/.
        assert (tmp_path / "var" / "broker" / "queue").is_dir()
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo@kalliky.local" in output
    assert "ready" in output.lower()  # celery prints "celery@host ready." once consuming
    assert "Stopped." in output
