"""The real ASGI application served by uvicorn in a thread, for tests that need real sockets
(browsers, Telnyx's media streams)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def uvicorn_thread(application) -> Iterator[str]:  # noqa: ANN001 - an ASGI application
    """`http://127.0.0.1:<port>` of `application` served by uvicorn in a thread, until the block ends."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # A generous ceiling: on a busy machine the first import of the app can take a while.
    deadline = time.monotonic() + 300
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@contextmanager
def served(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # noqa: ANN001 - pytest-django's settings
    """The app itself, set up as a test needs it (a real secret key, local hosts)."""
    # pytest-django runs with DEBUG off; the ASGI module refuses the development key then.
    settings.SECRET_KEY = "served-" + "k" * 60
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    # The test's own ORM calls are ordinary blocking reads from a thread with an event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from kalliky.asgi import application

    with uvicorn_thread(application) as url:
        yield url
