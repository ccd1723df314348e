"""Post-call analysis: transcript → CallAnalysisResult → the owner's results.

`analyze_call(call_id)` is idempotent: it reads (transcript, what the tools created), runs an
analyzer (no writes), then applies the result in one transaction under the Call row lock —
reconciling with what the call already created, so running it twice, or two workers at once,
never duplicates an order, a booking, a complaint or a notification (notification rows carry
unique dedupe keys). A re-run (`force=True`) recomputes and converges to the same rows.

`analyze_pending(limit)` is the worker's usual door: one pass over the calls marked QUEUED,
the local analyzer's ones analysed together (one query per kind of row for the whole batch,
the shared writes in bulk), the slow ones (OpenAI, a recording to transcribe) handed off to
one task each."""

from __future__ import annotations

from ai.analysis.pipeline import analyze_call, analyze_pending, analyzer_for, gather

__all__ = ["analyze_call", "analyze_pending", "analyzer_for", "gather"]
