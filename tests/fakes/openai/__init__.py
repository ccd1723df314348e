from tests.fakes.openai.server import FakeOpenAI, Reply, drop, error, hang, text, tool_calls

__all__ = ["FakeOpenAI", "Reply", "drop", "error", "hang", "text", "tool_calls"]
