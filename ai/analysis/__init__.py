"""Post-call analysis of a conversation: its words → CallAnalysisResult → what the owner sees.

The analysis works on ai's own rows: the conversation, what it produced (ConversationOutcome)
and a transcript handed to it. `conversation.read_rows_many` reads what conversations produced,
`known_of` / `lines_of` turn it into an AnalysisInput, an analyzer (`analyzer_for`) computes the
result without writing, and `apply` reconciles it with the rows — matching what the tools made,
suggesting what they did not, recording complaints — idempotently, so running it twice never
duplicates an order, a booking, a complaint or a notification.

Whatever carried the conversation drives it: telephony.analysis claims finished calls, adds a
recording's transcript and the call's status, and writes the call's own results."""

from __future__ import annotations

from ai.analysis.apply import Applied, Party, apply
from ai.analysis.conversation import NO_ROWS, Rows, analyzer_for, known_of, lines_of, read_rows_many

__all__ = [
    "NO_ROWS",
    "Applied",
    "Party",
    "Rows",
    "analyzer_for",
    "apply",
    "known_of",
    "lines_of",
    "read_rows_many",
]
