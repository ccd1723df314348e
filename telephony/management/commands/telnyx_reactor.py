"""`manage.py telnyx_reactor`: the former name of `call_event_worker`, kept so that deployments
and scripts started with it go on working."""

from __future__ import annotations

from telephony.management.commands.call_event_worker import Command as CallEventWorker


class Command(CallEventWorker):
    help = "Former name of call_event_worker: " + CallEventWorker.help
