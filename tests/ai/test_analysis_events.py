"""The post-call analysis notifies nothing itself: it publishes `calls_analysed` once it commits,
and notifications queue the call-level messages from what the analysis wrote (the summary). Driven
through the analysis API; read in the queue."""

from __future__ import annotations

from notifications.models import NotificationConfig, NotificationQueueItem
from tests.ai.test_analysis import ORDER, owner, phone_call, run_analysis  # noqa: F401 - a fixture

SUMMARY = "call_summary"


def test_the_call_summary_is_queued_from_the_committed_analysis_and_only_once(
    demo_pizzeria,
    owner,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    NotificationConfig.objects.filter(store=demo_pizzeria, action_type=SUMMARY, channel="email").update(
        is_active=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        call = phone_call(demo_pizzeria, ORDER)
    assert not NotificationQueueItem.objects.filter(action_type=SUMMARY).exists()  # not before

    body = run_analysis(owner, call, django_capture_on_commit_callbacks)

    [item] = NotificationQueueItem.objects.filter(action_type=SUMMARY)
    assert item.dedupe_key.startswith(f"call:{call.pk}:{SUMMARY}:")
    assert item.payload["vars"]["summary"] == body["summary"]
    run_analysis(owner, call, django_capture_on_commit_callbacks)  # a re-run is always forced
    assert NotificationQueueItem.objects.filter(action_type=SUMMARY).count() == 1
