"""The OpenAI fake speaks the wire format the real SDK expects (the SDK is the judge)."""

from __future__ import annotations

import json

import openai
import pytest

from tests.fakes.openai import FakeOpenAI, error, hang, text, tool_calls


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def _client(fake: FakeOpenAI, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0, **kwargs)


MESSAGES = [{"role": "user", "content": "Bonjour"}]


def test_plain_completion_with_usage(fake):
    fake.queue(text("Bonjour, que puis-je faire pour vous ?", prompt_tokens=12, completion_tokens=9))
    done = _client(fake).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert done.choices[0].message.content == "Bonjour, que puis-je faire pour vous ?"
    assert done.usage.prompt_tokens == 12 and done.usage.total_tokens == 21
    assert fake.chat_requests[0]["model"] == "gpt-4o-mini"


def test_streamed_text_arrives_in_pieces(fake):
    fake.queue(text("Une margherita grande, c'est noté. Autre chose ?"))
    stream = _client(fake).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    pieces, usage = [], None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
    assert len(pieces) > 3 and "".join(pieces) == "Une margherita grande, c'est noté. Autre chose ?"
    assert usage is not None and usage.completion_tokens > 0


def test_streamed_tool_call_reassembles(fake):
    fake.queue(tool_calls([("add_to_order", {"item": "Margherita", "size": "Grande", "quantity": 2})]))
    stream = _client(fake).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    arguments, names, pieces = "", "", 0
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                pieces += 1
                names += call.function.name or ""
                arguments += call.function.arguments or ""
    assert names == "add_to_order" and pieces >= 2
    assert json.loads(arguments) == {"item": "Margherita", "size": "Grande", "quantity": 2}


def test_errors_raise_the_sdk_exceptions(fake):
    client = _client(fake)
    fake.queue(error(429, "Rate limit reached"), error(500, "The server had an error"))
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong", max_retries=0).models.list()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[*MESSAGES, {"role": "tool", "tool_call_id": "call_x", "content": "{}"}],
        )


def test_a_slow_server_trips_the_read_timeout(fake):
    fake.queue(hang(2))
    client = _client(fake, timeout=openai.Timeout(5, connect=1, read=0.3))
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def test_models_list_and_recorded_tools(fake):
    assert {m.id for m in _client(fake).models.list()} >= {"gpt-4o-mini"}
    tools = [{"type": "function", "function": {"name": "end_call", "parameters": {"type": "object"}}}]
    _client(fake).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=tools)
    assert fake.chat_requests[-1]["tools"] == tools
    assert fake.requests[-1]["headers"]["authorization"] == f"Bearer {fake.api_key}"
