"""The OpenAI fake, judged by the real SDK: whatever the SDK accepts and raises here, it will with the API
(chat completions, structured outputs, audio transcriptions)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from pydantic import BaseModel

from tests.fakes.openai import (
    FakeOpenAI,
    drop,
    error,
    hang,
    refusal,
    structured,
    text,
    tool_calls,
    transcript,
)

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
    # A timeout, not the answer the fake sends after 2 s: the client gave up first (no clock asserted).
    assert time.monotonic() - started >= 0.5


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


# --- structured outputs --------------------------------------------------------------------------
def booking_format(
    schema: dict[str, object], *, name: str = "booking", strict: bool = True
) -> dict[str, object]:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": strict, "schema": schema}}


def closed(properties: dict[str, object], **extra: object) -> dict[str, object]:
    """A strict-mode object: every property required, nothing else allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        **extra,
    }


def test_the_default_answer_validates_against_the_schema_sent(fake: FakeOpenAI) -> None:
    schema = closed(
        {
            "when": {"type": "string", "format": "date-time"},
            "guests": {"type": "integer", "minimum": 1, "maximum": 12},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "table": {"anyOf": [{"$ref": "#/$defs/table"}, {"type": "null"}]},
            "kind": {"type": "string", "enum": ["dinner", "lunch"]},
            "first": {"$ref": "#/$defs/table"},
        },
        **{"$defs": {"table": closed({"seats": {"type": "integer", "exclusiveMinimum": 1}})}},
    )
    done = client_for(fake).chat.completions.create(
        model=MODEL, messages=HELLO, response_format=booking_format(schema)
    )
    assert json.loads(done.choices[0].message.content) == {
        "when": "1970-01-01T00:00:00Z",
        "guests": 1,
        "tags": ["", ""],
        "table": None,
        "kind": "dinner",
        "first": {"seats": 2},
    }
    assert fake.chat_requests[-1]["response_format"]["json_schema"]["schema"] == schema


@pytest.mark.parametrize(
    ("schema", "context", "complaint"),
    [
        (
            {"type": "array", "items": {"type": "string"}},
            None,
            "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'.",
        ),
        (
            {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            "()",
            "'additionalProperties' is required to be supplied and to be false.",
        ),
        (
            closed({"guest": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}),
            "('properties', 'guest')",
            "'additionalProperties' is required to be supplied and to be false.",
        ),
        (
            {**closed({"name": {"type": "string"}, "note": {"type": "string"}}), "required": ["name"]},
            "()",
            "an array including every key in properties. Missing 'note'.",
        ),
        (
            {**closed({"name": {"type": "string"}}), "required": ["name", "phone"]},
            "()",
            "Extra required key 'phone' supplied.",
        ),
        (closed({"a": {"allOf": [{"type": "string"}]}}), "('properties', 'a')", "'allOf' is not permitted."),
        (closed({"a": {"type": "array"}}), "('properties', 'a')", "array schema missing items."),
        (closed({"a": {"type": "datetime"}}), "('properties', 'a')", "type 'datetime' is not supported."),
        (closed({"a": {"description": "no type"}}), "('properties', 'a')", "schema must have a 'type' key."),
        (closed({"a": {"$ref": "#/$defs/missing"}}), "('properties', 'a')", "not found"),
    ],
)
def test_strict_mode_refuses_what_the_api_refuses(
    fake: FakeOpenAI, schema: dict[str, object], context: str | None, complaint: str
) -> None:
    fake.queue(text("{}"))
    with pytest.raises(openai.BadRequestError) as refused:
        client_for(fake).chat.completions.create(
            model=MODEL, messages=HELLO, response_format=booking_format(schema)
        )
    message = refused.value.body["message"]
    assert refused.value.param == "response_format" and refused.value.type == "invalid_request_error"
    assert message.startswith("Invalid schema for response_format 'booking': ") and complaint in message
    if context is not None:
        assert f"In context={context}, " in message
    assert fake.pending == 1  # refused before any reply was consumed


def test_the_same_schema_without_strict_is_only_a_hint(fake: FakeOpenAI) -> None:
    loose = {"type": "object", "properties": {"name": {"type": "string"}}}
    done = client_for(fake).chat.completions.create(
        model=MODEL, messages=HELLO, response_format=booking_format(loose, strict=False)
    )
    assert json.loads(done.choices[0].message.content) == {"name": ""}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("call analysis", "invalid_value"),
        ("a" * 65, "string_above_max_length"),
        ("", "missing_required_parameter"),
    ],
)
def test_the_schema_name_is_checked(fake: FakeOpenAI, name: str, code: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        client_for(fake).chat.completions.create(
            model=MODEL, messages=HELLO, response_format=booking_format(closed({}), name=name)
        )
    assert (refused.value.param, refused.value.code) == ("response_format.json_schema.name", code)


def test_json_mode_needs_the_word_json_in_the_messages(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=MODEL, messages=HELLO, response_format={"type": "json_object"})
    assert refused.value.param == "messages" and "'json'" in refused.value.body["message"]
    asked = [{"role": "user", "content": "Réponds en JSON."}]
    json_mode = {"type": "json_object"}
    done = client.chat.completions.create(model=MODEL, messages=asked, response_format=json_mode)
    assert done.choices[0].message.content == "{}"
    with pytest.raises(openai.BadRequestError) as unknown:
        client.chat.completions.create(model=MODEL, messages=HELLO, response_format={"type": "xml"})
    assert (unknown.value.param, unknown.value.code) == ("response_format.type", "invalid_value")


def test_scripted_answers_override_the_schema(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    fake.queue(
        structured({"name": "Alice", "guests": 4, "note": None}),
        text('{"name": "Alice", "guests": "four"'),  # cut short and mistyped, as a model may answer
        refusal("I can't help with that."),
    )
    parsed = client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=Booking)
    assert parsed.choices[0].message.parsed == Booking(name="Alice", guests=4, note=None)
    raw = client.chat.completions.create(
        model=MODEL, messages=HELLO, response_format=booking_format(closed({"name": {"type": "string"}}))
    )
    assert raw.choices[0].message.content == '{"name": "Alice", "guests": "four"'
    declined = client.chat.completions.parse(model=MODEL, messages=HELLO, response_format=Booking)
    message = declined.choices[0].message
    assert message.refusal == "I can't help with that." and message.parsed is None and message.content is None
    assert fake.pending == 0
    sent = fake.chat_requests[0]["response_format"]
    assert sent["json_schema"]["name"] == "Booking" and sent["json_schema"]["strict"] is True


def test_structured_answers_stream_too(fake: FakeOpenAI) -> None:
    fake.queue(structured({"name": "Bob", "guests": 2, "note": "window"}), refusal("No."))
    chat = client_for(fake).chat.completions
    with chat.stream(model=MODEL, messages=HELLO, response_format=Booking) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == Booking(name="Bob", guests=2, note="window")
    with chat.stream(model=MODEL, messages=HELLO, response_format=Booking) as stream:
        declined = stream.get_final_completion()
    assert declined.choices[0].message.refusal == "No."


# --- audio transcriptions ------------------------------------------------------------------------
def wav(seconds: float = 1.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(int(seconds * rate) * 2))
    return out.getvalue()


def test_a_transcription_records_the_form_and_the_file(fake: FakeOpenAI) -> None:
    recording = wav()
    fake.queue_transcriptions(transcript("Two large margherita pizzas, please."))
    done = client_for(fake).audio.transcriptions.create(
        model="gpt-4o-mini-transcribe",
        file=("call-12.wav", recording, "audio/wav"),
        language="en",
        prompt="Margherita, Pepperoni",
        include=["logprobs"],
    )
    assert done.text == "Two large margherita pizzas, please." and fake.pending == 0
    assert done.usage is not None and done.usage.type == "tokens" and done.usage.input_tokens > 0
    assert done.logprobs and done.logprobs[0].token == "Two"
    [request] = fake.transcription_requests
    assert request.body == {
        "model": "gpt-4o-mini-transcribe",
        "language": "en",
        "prompt": "Margherita, Pepperoni",
        "include": ["logprobs"],
    }
    upload = request.files["file"]
    assert (upload.filename, upload.content_type, upload.data, upload.size) == (
        "call-12.wav",
        "audio/wav",
        recording,
        len(recording),
    )
    assert request.headers["authorization"] == f"Bearer {fake.api_key}"


def test_transcription_formats(fake: FakeOpenAI, tmp_path: Path) -> None:
    client = client_for(fake)
    path = tmp_path / "call.wav"
    path.write_bytes(wav(seconds=2.0))
    fake.queue_transcriptions(transcript("Bonjour."), transcript("Hello there."), transcript("Hi."))
    with path.open("rb") as audio:
        plain = client.audio.transcriptions.create(model="whisper-1", file=audio, response_format="text")
    assert plain == "Bonjour.\n"
    with path.open("rb") as audio:
        verbose = client.audio.transcriptions.create(
            model="whisper-1", file=audio, response_format="verbose_json", timestamp_granularities=["word"]
        )
    assert verbose.duration == 2.0 and verbose.language == "english" and verbose.text == "Hello there."
    assert [w.word for w in verbose.words or []] == ["Hello", "there."] and verbose.words[-1].end == 2.0
    with path.open("rb") as audio:
        srt = client.audio.transcriptions.create(model="whisper-1", file=audio, response_format="srt")
    assert srt == "1\n00:00:00,000 --> 00:00:02,000\nHi.\n\n"
    assert [r.files["file"].filename for r in fake.transcription_requests] == ["call.wav"] * 3


def test_a_streamed_transcription_ends_with_the_whole_text(fake: FakeOpenAI) -> None:
    fake.queue_transcriptions(transcript("One coke and one tiramisu."))
    events = list(
        client_for(fake).audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("call.mp3", b"ID3fake", "audio/mpeg"), stream=True
        )
    )
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    assert "".join(deltas) == "One coke and one tiramisu." and len(deltas) > 1
    assert events[-1].type == "transcript.text.done" and events[-1].text == "One coke and one tiramisu."


@pytest.mark.parametrize(
    ("options", "status", "param", "code"),
    [
        ({"model": "whisper-9"}, 404, "model", "model_not_found"),
        ({"model": ""}, 400, "model", "missing_required_parameter"),
        ({"file": ("notes.txt", b"hello", "text/plain")}, 400, "file", "invalid_value"),
        ({"file": ("call.wav", b"", "audio/wav")}, 400, "file", "audio_too_short"),
        ({"response_format": "srt"}, 400, "response_format", "unsupported_value"),
        ({"language": "fr-FR"}, 400, "language", "invalid_language_format"),
        ({"timestamp_granularities": ["word"]}, 400, "timestamp_granularities", "invalid_value"),
    ],
)
def test_transcription_requests_are_checked_before_a_reply_is_used(
    fake: FakeOpenAI, options: dict[str, object], status: int, param: str, code: str
) -> None:
    fake.queue_transcriptions(transcript("never sent"))
    request: dict[str, object] = {"model": "gpt-4o-mini-transcribe", "file": ("call.wav", wav(), "audio/wav")}
    with pytest.raises(openai.APIStatusError) as refused:
        client_for(fake).audio.transcriptions.create(**{**request, **options})  # type: ignore[call-overload]
    assert (refused.value.status_code, refused.value.param, refused.value.code) == (status, param, code)
    assert refused.value.type == "invalid_request_error" and fake.pending == 1
    assert len(fake.transcription_requests) == 1


def test_a_form_without_a_file_or_not_multipart_is_refused(fake: FakeOpenAI) -> None:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    url = f"{fake.base_url}/audio/transcriptions"
    no_file = httpx.post(url, headers=headers, data={"model": "whisper-1"}, files={"other": ("a.txt", b"x")})
    assert no_file.status_code == 400 and no_file.json()["error"]["param"] == "file"
    as_json = httpx.post(url, headers=headers, json={"model": "whisper-1"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.json()["error"]["message"]
    wrong_key = httpx.post(url, headers={"Authorization": "Bearer sk-no"}, files={"file": ("a.wav", wav())})
    assert wrong_key.status_code == 401 and wrong_key.json()["error"]["code"] == "invalid_api_key"


def test_scripted_transcription_failures(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    recording = ("call.wav", wav(), "audio/wav")
    fake.queue_transcriptions(error(500, "The server had an error"), drop(), hang(2), transcript("Enfin."))
    with pytest.raises(openai.InternalServerError):
        client.audio.transcriptions.create(model="whisper-1", file=recording)
    with pytest.raises(openai.APIConnectionError):
        client.audio.transcriptions.create(model="whisper-1", file=recording)
    with pytest.raises(openai.APITimeoutError):
        client.audio.transcriptions.create(model="whisper-1", file=recording, timeout=0.5)
    assert client.audio.transcriptions.create(model="whisper-1", file=recording).text == "Enfin."
    assert client.audio.transcriptions.create(model="whisper-1", file=recording).text == "OK."  # default
    assert fake.chat_requests == [] and fake.pending == 0


def test_the_two_queues_do_not_mix(fake: FakeOpenAI) -> None:
    with pytest.raises(TypeError):
        fake.queue_transcriptions(text("a chat answer"))  # type: ignore[arg-type]
    fake.queue(text("Chat."))
    fake.queue_transcriptions(transcript("Audio."))
    client = client_for(fake)
    assert client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav())).text == "Audio."
    assert client.chat.completions.create(model=MODEL, messages=HELLO).choices[0].message.content == "Chat."
