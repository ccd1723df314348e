"""A real Celery worker for end-to-end tests: `celery -A kalliky worker` (with its beat) in a
subprocess, on the test database, consuming from a broker of its own (a Redis database when
REDIS_URL is set, else a filesystem queue in a temporary folder), so a `make run` worker on the
same machine can never steal a test's tasks. The test process publishes to the same broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from kalliky.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}@{host}{port}/{db['NAME']}"


def _broker(folder: Path) -> tuple[str, dict[str, object]]:
    if settings.REDIS_URL:
        parts = urlsplit(settings.REDIS_URL)
        return urlunsplit(parts._replace(path="/15")), {}  # CI uses databases 1-14
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    return "filesystem://", options


def _publish_to(broker: str, options: dict[str, object], eager: bool) -> None:
    celery_app.conf.broker_url = broker
    celery_app.conf.broker_transport_options = options
    celery_app.conf.task_always_eager = eager
    # Producers are cached per connection: forget them so the next publish uses the new broker.
    celery_app.amqp._producer_pool = None  # noqa: SLF001
    celery_app._pool = None  # noqa: SLF001


@contextmanager
def celery_worker(tmp: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """Start the worker; yield it; stop it. `env` adds the settings the worker needs (provider
    URLs, email outbox…). The test process stops running tasks eagerly for the duration."""
    # The worker's settings put a filesystem broker under KALLIKY_VAR_DIR/broker: the same folder.
    broker, options = _broker(tmp / "var" / "broker")
    saved = (
        celery_app.conf.broker_url,
        celery_app.conf.broker_transport_options,
        settings.CELERY_TASK_ALWAYS_EAGER,
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _publish_to(broker, options, eager=False)
    if settings.REDIS_URL:
        celery_app.control.purge()
    child_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "false",
        "CELERY_BROKER_URL": broker,
        "KALLIKY_VAR_DIR": str(tmp / "var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "AI_BRAIN": "local",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log = open(tmp / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kalliky",
            "worker",
            "--beat",
            "--schedule",
            str(tmp / "beat-schedule"),
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=ROOT,
        env=child_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 600  # a ceiling: it returns as soon as the worker is ready
        while "ready." not in (tmp / "worker.log").read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the Celery worker did not start:\n" + (tmp / "worker.log").read_text())
            time.sleep(0.2)
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved[0], saved[1]
        settings.CELERY_TASK_ALWAYS_EAGER = saved[2]
        _publish_to(saved[0], saved[1], eager=True)


def worker_log(tmp: Path) -> str:
    return (tmp / "worker.log").read_text()
