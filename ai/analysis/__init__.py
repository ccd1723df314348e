"""Post-call analysis: transcript → CallAnalysisResult → the owner's results.

`analyze_call(call_id)` is idempotent: it reads (transcript, what the tools created), runs an
analyzer (no writes), then applies the result in one transaction under the Call row lock —
reconciling with what the call already created, so running it twice, or two workers at once,
never duplicates an order, a booking, a complaint or a notification (notification rows carry
unique dedupe keys). A re-run (`force=True`) recomputes and converges to the same rows."""

from __future__ import annotations

from ai.analysis.pipeline import analyze_call, analyzer_for, gather

__all__ = ["analyze_call", "analyzer_for", "gather"]
