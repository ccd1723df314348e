"""The OpenAI fake, judged by the real SDK: whatever the SDK accepts and raises here, it will with the API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from pydantic import BaseModel

from tests.fakes.openai import FakeOpenAI, drop, error, hang, text, tool_calls

MODEL = "gpt-4o-mini"
HELLO = [{"role": "user", "content": "Bonjour"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_catalog",
            "description": "Find products",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    },
    {"type": "function", "function": {"name": "add_to_order", "parameters": {"type": "object"}}},
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def client_for(fake: FakeOpenAI, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0, **kwargs)


# --- plain completions ---------------------------------------------------------------------------
def test_plain_completion_with_scripted_usage(fake: FakeOpenAI) -> None:
    fake.queue(text("Bonjour, que puis-je faire pour vous ?", prompt_tokens=12, completion_tokens=9))
    done = client_for(fake).chat.completions.create(model=MODEL, messages=HELLO)
    assert done.object == "chat.completion" and done.model == MODEL
    choice = done.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    assert choice.message.content == "Bonjour, que puis-je faire pour vous ?"
    assert done.usage is not None
    assert (done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.total_tokens) == (12, 9, 21)


def test_estimated_usage_is_deterministic(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    fake.queue(text("Oui."), text("Oui."))
    first = client.chat.completions.create(model=MODEL, messages=HELLO).usage
    second = client.chat.completions.create(model=MODEL, messages=HELLO).usage
    assert first == second and first is not None and first.prompt_tokens > 0 and first.completion_tokens > 0


def test_tool_calls_without_streaming(fake: FakeOpenAI) -> None:
    fake.queue(tool_calls([("search_catalog", {"query": "pizza"})], text="Je regarde."))
    done = client_for(fake).chat.completions.create(model=MODEL, messages=HELLO, tools=TOOLS)
    choice = done.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == "Je regarde."
    call = choice.message.tool_calls[0]
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call.id) and call.type == "function"
    assert call.function.name == "search_catalog" and json.loads(call.function.arguments) == {
        "query": "pizza"
    }


# --- streaming -----------------------------------------------------------------------------------
def test_streamed_text_arrives_in_pieces_without_usage(fake: FakeOpenAI) -> None:
    sentence = "Une margherita grande, c'est noté. Autre chose ?"
    fake.queue(text(sentence))
    chunks = list(client_for(fake).chat.completions.create(model=MODEL, messages=HELLO, stream=True))
    assert {c.object for c in chunks} == {"chat.completion.chunk"} and len({c.id for c in chunks}) == 1
    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(pieces) > 3 and "".join(pieces) == sentence
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert all(c.usage is None for c in chunks)  # no include_usage: no usage chunk


def test_include_usage_adds_a_final_chunk_without_choices(fake: FakeOpenAI) -> None:
    fake.queue(text("Très bien.", prompt_tokens=40, completion_tokens=3))
    stream = client_for(fake).chat.completions.create(
        model=MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 43
    assert all(c.usage is None for c in chunks[:-1]) and chunks[-2].choices[0].finish_reason == "stop"


def test_streamed_parallel_tool_calls_reassemble(fake: FakeOpenAI) -> None:
    fake.queue(
        tool_calls(
            [("search_catalog", {"query": "pizza"}), ("add_to_order", {"item": "Margherita", "quantity": 2})]
        )
    )
    stream = client_for(fake).chat.completions.create(model=MODEL, messages=HELLO, tools=TOOLS, stream=True)
    calls: dict[int, dict[str, str]] = {}
    argument_pieces: dict[int, int] = {}
    finish = None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for piece in choice.delta.tool_calls or []:
                slot = calls.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] += piece.id or ""
                slot["name"] += (piece.function and piece.function.name) or ""
                if piece.function and piece.function.arguments:
                    slot["arguments"] += piece.function.arguments
                    argument_pieces[piece.index] = argument_pieces.get(piece.index, 0) + 1
    assert finish == "tool_calls" and sorted(calls) == [0, 1]
    assert [calls[0]["name"], calls[1]["name"]] == ["search_catalog", "add_to_order"]
    assert calls[0]["id"].startswith("call_") and calls[0]["id"] != calls[1]["id"]
    assert json.loads(calls[1]["arguments"]) == {"item": "Margherita", "quantity": 2}
    assert min(argument_pieces.values()) >= 2


def test_the_sdk_stream_helper_accumulates_the_same_message(fake: FakeOpenAI) -> None:
    # The SDK's own accumulator is the strictest reader of chunk shapes (index, id, delta merging).
    fake.queue(tool_calls([("search_catalog", {"query": "calzone"})], text="Un instant."))
    with client_for(fake).chat.completions.stream(model=MODEL, messages=HELLO, tools=TOOLS) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Un instant." and final.choices[0].finish_reason == "tool_calls"
    assert json.loads(message.tool_calls[0].function.arguments) == {"query": "calzone"}


async def test_async_client_streams_too(fake: FakeOpenAI) -> None:
    fake.queue(text("Bonne soirée !"))
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    stream = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
    pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    assert "".join(pieces) == "Bonne soirée !"
    await client.close()


# --- errors ----------------------------------------------------------------------------------------
def test_scripted_errors_raise_the_sdk_exceptions(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    fake.queue(
        error(429, "Rate limit reached"),
        error(500, "The server had an error"),
        error(400, "Invalid 'temperature'", param="temperature"),
    )
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert (
        limited.value.code == "rate_limit_exceeded" and limited.value.response.headers["retry-after"] == "1"
    )
    assert limited.value.request_id and "Rate limit reached" in str(limited.value)
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert failed.value.type == "server_error"
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)  # errors precede the stream
    assert (bad.value.type, bad.value.param) == ("invalid_request_error", "temperature")


def test_a_wrong_key_is_refused(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert (refused.value.type, refused.value.code) == ("invalid_request_error", "invalid_api_key")
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_dropped_connection_is_a_connection_error_not_a_timeout(fake: FakeOpenAI) -> None:
    fake.queue(drop(), text("Me revoilà."))
    client = client_for(fake)
    with pytest.raises(openai.APIConnectionError) as dropped:
        client.chat.completions.create(model=MODEL, messages=HELLO)
    assert not isinstance(dropped.value, openai.APITimeoutError)
    assert (
        client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content
        == "Me revoilà."
    )


# --- timing ----------------------------------------------------------------------------------------
def test_hang_trips_a_per_request_timeout(fake: FakeOpenAI) -> None:
    fake.queue(hang(2))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client_for(fake).chat.completions.create(model=MODEL, messages=HELLO, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_hang_trips_the_client_read_timeout_on_a_stream(fake: FakeOpenAI) -> None:
    fake.queue(hang(2))
    client = client_for(fake, timeout=openai.Timeout(5, connect=1, read=0.5))
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)


def test_slow_first_token_times_out_while_iterating_a_stream(fake: FakeOpenAI) -> None:
    # Headers come at once, so create() returns; the read timeout fires on the first chunk.
    fake.queue(text("Trop tard.", delay_first_token=1.5))
    stream = client_for(fake, timeout=openai.Timeout(5, read=0.3)).chat.completions.create(
        model=MODEL, messages=HELLO, stream=True
    )
    with pytest.raises(openai.APITimeoutError):
        next(iter(stream))


def test_slow_first_token_times_out_create_without_streaming(fake: FakeOpenAI) -> None:
    fake.queue(text("Trop tard.", delay_first_token=1.5))
    with pytest.raises(openai.APITimeoutError):
        client_for(fake, timeout=openai.Timeout(5, read=0.3)).chat.completions.create(
            model=MODEL, messages=HELLO
        )


def test_chunk_gaps_shorter_than_the_read_timeout_are_fine(fake: FakeOpenAI) -> None:
    # Six gaps of 0.1 s add up past the 0.3 s read timeout: it bounds each read, not the whole stream.
    fake.queue(text("Un deux trois quatre cinq six sept", delay_first_token=0.1, chunk_delay=0.1))
    stream = client_for(fake, timeout=openai.Timeout(5, read=0.3)).chat.completions.create(
        model=MODEL, messages=HELLO, stream=True
    )
    started = time.monotonic()
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(pieces) == "Un deux trois quatre cinq six sept" and time.monotonic() - started >= 0.6


# --- recording and validation ----------------------------------------------------------------------
def test_a_tool_round_trip_is_recorded(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    fake.queue(tool_calls([("search_catalog", {"query": "pizza"})]), text("Nous avons 4 pizzas."))
    call = (
        client.chat.completions.create(model=MODEL, messages=HELLO, tools=TOOLS)
        .choices[0]
        .message.tool_calls[0]
    )
    history = [
        *HELLO,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": '{"count": 4}'},
    ]
    answer = client.chat.completions.create(model=MODEL, messages=history, tools=TOOLS)
    assert answer.choices[0].message.content == "Nous avons 4 pizzas." and fake.pending == 0
    first, second = fake.chat_requests
    assert first["model"] == MODEL and [t["function"]["name"] for t in first["tools"]] == [
        "search_catalog",
        "add_to_order",
    ]
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": '{"count": 4}'}
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path) == ("POST", "/v1/chat/completions")
    assert recorded.headers["authorization"] == f"Bearer {fake.api_key}"


def test_tool_messages_must_answer_a_preceding_tool_call(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    fake.queue(text("jamais servi"))
    orphan = [*HELLO, {"role": "tool", "tool_call_id": "call_unknown", "content": "{}"}]
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model=MODEL, messages=orphan)
    assert bad.value.param == "messages.[1].role"
    call = {"id": "call_abc", "type": "function", "function": {"name": "search_catalog", "arguments": "{}"}}
    unanswered = [*HELLO, {"role": "assistant", "content": None, "tool_calls": [call]}, *HELLO]
    with pytest.raises(openai.BadRequestError, match="call_abc"):
        client.chat.completions.create(model=MODEL, messages=unanswered)
    assert fake.pending == 1 and len(fake.chat_requests) == 2  # rejected, recorded, reply kept


def test_missing_model_or_messages_name_the_param(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    with pytest.raises(openai.BadRequestError) as no_model:
        client.chat.completions.create(model="", messages=HELLO)
    with pytest.raises(openai.BadRequestError) as no_messages:
        client.chat.completions.create(model=MODEL, messages=[])
    with pytest.raises(openai.BadRequestError) as misplaced:
        client.chat.completions.create(model=MODEL, messages=HELLO, stream_options={"include_usage": True})
    assert [e.value.param for e in (no_model, no_messages, misplaced)] == [
        "model",
        "messages",
        "stream_options",
    ]


# --- default responder, models, routes, lifecycle ----------------------------------------------------
def test_default_responder_says_ok_even_with_tools(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    done = client.chat.completions.create(model=MODEL, messages=HELLO, tools=TOOLS)
    assert done.choices[0].message.content == "OK." and done.choices[0].message.tool_calls is None
    chunks = client.chat.completions.create(model=MODEL, messages=HELLO, tools=TOOLS, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "OK."


class Booking(BaseModel):
    name: str
    guests: int
    note: str | None


def test_default_responder_fills_a_structured_output_schema(fake: FakeOpenAI) -> None:
    parsed = client_for(fake).chat.completions.parse(model=MODEL, messages=HELLO, response_format=Booking)
    assert parsed.choices[0].message.parsed == Booking(name="", guests=0, note=None)


def test_models_and_unknown_paths(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    assert "gpt-4o-mini" in {m.id for m in client.models.list()}
    assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nope")
    with pytest.raises(openai.NotFoundError) as missing:
        client.post("/embeddings", cast_to=object, body={"model": "x", "input": "y"})
    assert missing.value.type == "invalid_request_error" and "/v1/embeddings" in str(missing.value)


def test_stop_closes_kept_alive_connections() -> None:
    fake = FakeOpenAI().start()
    client = client_for(fake)
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content == "OK."
    fake.stop()
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=MODEL, messages=HELLO)


def test_runs_by_hand_from_the_command_line() -> None:
    root = Path(__file__).resolve().parents[2]
    with FakeOpenAI() as probe:  # borrow a free port, then release it for the subprocess
        port = probe.port
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai.server", "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"http://127.0.0.1:{port}/v1" in process.stdout.readline()
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test-fake", max_retries=0)
        assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content == "OK."
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=5)
    assert "RuntimeWarning" not in stderr
