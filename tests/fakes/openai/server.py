"""A local stand-in for the OpenAI REST API, close enough on the wire that the real `openai`
SDK talks to it unmodified (base_url=fake.base_url).

It speaks POST /v1/chat/completions (plain JSON, or server-sent events when "stream": true,
with tool-call arguments split across chunks and an optional final usage chunk) and
GET /v1/models, answers errors in the API's own shape, checks the bearer key, and records every
request. Tests script replies in order with `fake.queue(...)`; with nothing queued it answers
"OK." so `make run` can point at it too (python -m tests.fakes.openai.server --port 8765)."""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    kind: str  # text | tool_calls | error | hang | drop
    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    error_type: str = ""
    code: str | None = None
    delay_first_token: float = 0.0
    chunk_delay: float = 0.0
    seconds: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def text(
    content: str,
    *,
    delay_first_token: float = 0.0,
    chunk_delay: float = 0.0,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
) -> Reply:
    return Reply(
        "text",
        text=content,
        delay_first_token=delay_first_token,
        chunk_delay=chunk_delay,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def tool_calls(
    calls: list[tuple[str, dict[str, Any]]], *, text: str | None = None, delay_first_token: float = 0.0
) -> Reply:
    return Reply("tool_calls", text=text or "", calls=calls, delay_first_token=delay_first_token)


def error(status: int, message: str, *, type: str | None = None, code: str | None = None) -> Reply:  # noqa: A002
    default_type = {
        400: "invalid_request_error",
        401: "invalid_request_error",
        404: "invalid_request_error",
        429: "rate_limit_exceeded",
    }.get(status, "server_error")
    return Reply("error", text=message, status=status, error_type=type or default_type, code=code)


def hang(seconds: float) -> Reply:
    return Reply("hang", seconds=seconds)


def drop() -> Reply:
    return Reply("drop")


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4)


class FakeOpenAI:
    def __init__(self, *, api_key: str = "sk-test-fake", port: int = 0) -> None:
        self.api_key = api_key
        self.port = port
        self.requests: list[dict[str, Any]] = []
        self._replies: list[Reply] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting ----------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.pop(0)
        return text("OK.")

    def record(self, path: str, headers: dict[str, str], body: dict[str, Any] | None) -> None:
        with self._lock:
            self.requests.append(
                {"path": path, "headers": {k.lower(): v for k, v in headers.items()}, "body": body}
            )

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        return

    # --- helpers ------------------------------------------------------------------------
    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(
        self, status: int, message: str, type_: str, code: str | None = None, param: str | None = None
    ):
        headers = {"retry-after": "1"} if status == 429 else None
        self._json(
            status, {"error": {"message": message, "type": type_, "param": param, "code": code}}, headers
        )

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.fake.api_key}":
            return True
        self._error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        return False

    # --- routes -------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        self.fake.record(self.path, dict(self.headers), None)
        if not self._authorised():
            return
        if self.path.rstrip("/") == "/v1/models":
            models = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "openai"}
                      for m in ("gpt-4o-mini", "gpt-4o")]  # fmt: skip
            self._json(200, {"object": "list", "data": models})
            return
        self._error(404, f"Unknown path {self.path}", "invalid_request_error")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self.fake.record(self.path, dict(self.headers), None)
            self._error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
            return
        self.fake.record(self.path, dict(self.headers), body)
        if not self._authorised():
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"Unknown path {self.path}", "invalid_request_error")
            return
        problem = _validate(body)
        if problem is not None:
            self._error(400, problem[1], "invalid_request_error", param=problem[0])
            return
        reply = self.fake.next_reply(body)
        if reply.kind == "error":
            self._error(reply.status, reply.text, reply.error_type, reply.code)
            return
        if reply.kind == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if reply.kind == "hang":
            time.sleep(reply.seconds)
            self.close_connection = True
            return
        if body.get("stream"):
            self._stream(body, reply)
        else:
            self._complete(body, reply)

    def _usage(self, body: dict[str, Any], reply: Reply) -> dict[str, int]:
        prompt = reply.prompt_tokens if reply.prompt_tokens is not None else _tokens(body.get("messages"))
        completion = (
            reply.completion_tokens
            if reply.completion_tokens is not None
            else _tokens(reply.text) + sum(_tokens(args) for _, args in reply.calls)
        )
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    @staticmethod
    def _calls(reply: Reply) -> list[dict[str, Any]]:
        return [
            {"id": f"call_{uuid.uuid4().hex[:24]}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}}
            for name, args in reply.calls
        ]  # fmt: skip

    def _complete(self, body: dict[str, Any], reply: Reply) -> None:
        time.sleep(reply.delay_first_token)
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
        finish = "stop"
        if reply.kind == "tool_calls":
            message["tool_calls"] = self._calls(reply)
            finish = "tool_calls"
        self._json(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": self._usage(body, reply),
            },
        )

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        # Headers go out at once (as the real API does); the first chunk waits delay_first_token,
        # which is what a client's read timeout sees.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
        }

        def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            chunk = {**base, "choices": choices, **extra}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()

        try:
            time.sleep(reply.delay_first_token)
            send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            words = reply.text.split(" ") if reply.text else []
            for n, word in enumerate(words):
                piece = word if n == 0 else " " + word
                send([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
                time.sleep(reply.chunk_delay)
            finish = "stop"
            if reply.kind == "tool_calls":
                finish = "tool_calls"
                for index, call in enumerate(self._calls(reply)):
                    arguments = call["function"]["arguments"]
                    half = len(arguments) // 2
                    function = {"name": call["function"]["name"], "arguments": arguments[:half]}
                    head = {"index": index, "id": call["id"], "type": "function", "function": function}
                    send([{"index": 0, "delta": {"tool_calls": [head]}, "finish_reason": None}])
                    tail = {"index": index, "function": {"arguments": arguments[half:]}}
                    send([{"index": 0, "delta": {"tool_calls": [tail]}, "finish_reason": None}])
            send([{"index": 0, "delta": {}, "finish_reason": finish}])
            if (body.get("stream_options") or {}).get("include_usage"):
                send([], usage=self._usage(body, reply))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (its timeout): nothing to finish


def _validate(body: dict[str, Any]) -> tuple[str, str] | None:
    """The checks the real API makes that catch client bugs."""
    if not body.get("model"):
        return "model", "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages", "'messages' must be a non-empty array"
    known: set[str] = set()
    for n, message in enumerate(messages):
        role = message.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            return f"messages[{n}].role", f"Invalid role {role!r}."
        for call in message.get("tool_calls") or []:
            known.add(call.get("id", ""))
        if role == "tool" and message.get("tool_call_id") not in known:
            return (
                f"messages[{n}]",
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
                "with 'tool_calls'.",
            )
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description="Local OpenAI fake for development")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default="sk-test-fake")
    args = parser.parse_args()
    fake = FakeOpenAI(api_key=args.api_key, port=args.port).start()
    print(f"OpenAI fake on {fake.base_url} (key {fake.api_key}); Ctrl-C to stop")  # noqa: T201
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
