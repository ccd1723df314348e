"""The call-control loop: what each Telnyx event does to the call and which commands it causes.

`handle(event)` runs inside the inbox's transaction (kalliky.inbox.process). It changes the
database under the Call row lock and returns nothing to send directly: the commands it decides
are saved on the event with their command_id and sent after the commit (`send_commands`), so
that
- the next webhook (caused by our command) always finds the rows this one wrote;
- a retry re-sends the same command with the same command_id (Telnyx ignores the repeat)
  instead of running the handler — and the assistant — a second time.

Events arrive late, twice or out of order: every transition is guarded (a hang-up before the
answer, a transcription after the hang-up, the same sentence delivered twice).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ai import agent
from ai import context as ai_context
from ai import session as sessions
from ai.greeting import phone_greeting
from billing.plans import max_concurrent_calls
from kalliky import inbox
from kalliky.events import publish
from kalliky.languages import supported_language
from kalliky.phones import to_e164
from stores.models import CustomerExchange, Store
from stores.services.customers import customer_touch
from telephony import call_lanes, escalation, line_limits, media, sandbox, stats
from telephony import callstate as cs
from telephony.callstate import CallState, Mode
from telephony.events import callback_requested
from telephony.media import relay as voice_relay
from telephony.media.relay import STREAM_ACTION_EVENT, STREAM_LOST_EVENT
from telephony.models import Call, CallbackTicket, PhoneNumber, TelnyxEvent
from telephony.providers import CallEnded, TelnyxCommandError, decode_state, encode_state, get_provider

log = logging.getLogger(__name__)

# Sent once per call (on commit) when the Call row holds everything the analysis needs: the
# hang-up, the conversation, and the recording when one was expected.
call_ready_for_analysis = Signal()

SILENCE_EVENT = "kalliky.silence"
TRANSFER_REFUSED_EVENT = "kalliky.transfer.refused"
NOT_ANSWERED_OK = {"normal_clearing", "originator_cancel", "no_answer", "timeout", "user_busy"}
LANGUAGE_CODES = {"fr": "fr-FR", "en": "en-US"}


@dataclass
class CallEvent:
    """One event being handled: its payload, our client_state, and the commands it decides."""

    event: TelnyxEvent
    payload: dict[str, Any]
    state: dict[str, Any]
    commands: list[dict[str, Any]] = field(default_factory=list)
    after_commit: list[Any] = field(default_factory=list)

    @property
    def ccid(self) -> str:
        return str(self.payload.get("call_control_id") or "")

    @property
    def at(self) -> datetime:
        return self.event.occurred_at or timezone.now()

    def cmd(self, action: str, call_control_id: str | None = None, **params: Any) -> None:
        self.commands.append(
            {
                "action": action,
                "call_control_id": call_control_id or self.ccid,
                "params": params,
                "command_id": str(uuid.uuid4()),
                "sent": False,
                "lane": lane_of(self.payload),
            }
        )


def lane_of(payload: dict[str, Any]) -> str:
    """Both legs of a call (the caller and a transfer) share a session id: one lane."""
    return str(payload.get("call_session_id") or payload.get("call_control_id") or "no-call")


# --- entry point -------------------------------------------------------------------------------
def handle(event: TelnyxEvent) -> inbox.Ignored | None:
    if event.commands:  # already decided (a retry): only the sending is left to do
        decided = list(event.commands)
        transaction.on_commit(lambda: send_commands(event.pk, decided))
        return None
    data = event.payload if isinstance(event.payload, dict) else {}
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    call_event = CallEvent(event=event, payload=payload, state=decode_state(payload.get("client_state")))
    handler = HANDLERS.get(event.event_type)
    if handler is None:
        if event.event_type in NOTHING_TO_DO:
            return None
        return inbox.Ignored(f"Unknown event type {event.event_type!r}: recorded, nothing to do.")
    outcome = handler(call_event)
    if call_event.commands:
        event.commands = call_event.commands  # saved with the event's status (PROCESS_FIELDS)
        decided = list(call_event.commands)
        transaction.on_commit(lambda: send_commands(event.pk, decided))
    for job in call_event.after_commit:
        transaction.on_commit(job)
    return outcome


def send_commands(event_pk: int, commands: list[dict[str, Any]]) -> None:
    """Send the event's unsent commands in order. A hung-up call ends the list quietly; a
    failure Telnyx may recover from puts the event back in the inbox's retry schedule."""
    ended: set[str] = set()
    refused_transfers: list[dict[str, Any]] = []
    try:
        for command in commands:
            if command["sent"] or command["call_control_id"] in ended:
                continue
            try:
                get_provider().command(
                    command["call_control_id"],
                    command["action"],
                    command_id=command["command_id"],
                    **command["params"],
                )
            except CallEnded:
                ended.add(command["call_control_id"])
            except TelnyxCommandError as exc:
                if exc.retryable:
                    raise
                command["error"] = str(exc)  # a refused command: recorded, the rest still goes
                log.warning("Telnyx refused %s on %s: %s", command["action"], command["call_control_id"], exc)
                if command["action"] == "transfer":
                    refused_transfers.append(command)
            command["sent"] = True
    except Exception as exc:  # noqa: BLE001 - recorded on the event; the sweep retries it
        TelnyxEvent.objects.filter(pk=event_pk).update(commands=commands)
        inbox.record_failure(TelnyxEvent(pk=event_pk), exc)
        return
    TelnyxEvent.objects.filter(pk=event_pk).update(commands=commands)
    for command in refused_transfers:
        _transfer_refused(command)


def _transfer_refused(command: dict[str, Any]) -> None:
    """A transfer Telnyx refused (bad number, no route) fails like an unanswered one: the chain
    moves on, so the caller is not left in silence."""
    # telephony.webhooks imports this module (it runs callcontrol.handle): a real cycle
    from telephony.webhooks import queue_own_event

    queue_own_event(
        event_id=f"kalliky-transfer-refused:{command['command_id']}",
        event_type=TRANSFER_REFUSED_EVENT,
        data={
            "payload": {
                "client_state": command["params"].get("target_leg_client_state"),
                "hangup_cause": "destination_out_of_order",
                "reason": command.get("error", ""),
            }
        },
        lane=command.get("lane") or command["call_control_id"],
    )


# --- the adapter: the Call row, the typed state, the pure decision, the commands -----------------
def _locked_call(r: CallEvent) -> Call | None:
    """The main leg's Call, row-locked. Transfer legs carry our call id in their client_state;
    a recording event may come without call_control_id."""
    calls = Call.objects.select_for_update(of=("self",)).select_related("store", "business")
    call_id = r.state.get("c")
    if call_id:
        found = calls.filter(pk=call_id).first()
        if found is not None:
            return found
    if r.ccid:
        found = calls.filter(call_control_id=r.ccid).first()
        if found is not None:
            return found
    session_id = r.payload.get("call_session_id")
    if session_id:
        return calls.filter(call_session_id=session_id).order_by("pk").first()
    return None


def state_of(call: Call) -> CallState:
    """The call's typed state; a state without a language speaks the store's."""
    state = CallState.from_json(call.control)
    if not state.lang and call.store is not None:
        state = replace(state, lang=call.store.language)
    return state


def _decide(
    r: CallEvent, call: Call, event: cs.Event, *, state: CallState | None = None
) -> inbox.Ignored | None:
    """Run the decision on the call's state, save the state when it changed, and turn the
    commands into Telnyx commands (sent after the commit) and jobs. An Ignore is the outcome."""
    before = state_of(call) if state is None else state
    after, commands = cs.decide(before, event)
    ignored: inbox.Ignored | None = None
    pending = list(commands)
    while pending:
        command = pending.pop(0)
        if isinstance(command, cs.AskAssistant):
            # The assistant's turn runs here, under the row lock; its reply is decided in turn.
            reply_event = _ask_assistant(call, command.text)
            after, more = cs.decide(after, reply_event)
            pending[:0] = more
        elif isinstance(command, cs.Ignore):
            ignored = inbox.Ignored(command.reason)
        else:
            _perform(r, call, command)
    if after != before:
        call.control = after.to_json()
        call.save(update_fields=["control", "updated_at"])
    return ignored


def _ask_assistant(call: Call, text: str) -> cs.Event:
    session = sessions.load(call.session_key) if call.session_key else None
    if session is None or session.ended:
        return cs.SessionLost()
    reply = agent.respond(session, text)
    wanted = {a.get("action") for a in reply.actions}
    return cs.AssistantReplied(text=reply.text, transfer="transfer" in wanted, hangup="hangup" in wanted)


def _perform(r: CallEvent, call: Call, command: cs.Command) -> None:
    """One decided command: a Telnyx command (sent after the commit) or a job of ours."""
    ccid = call.call_control_id
    match command:
        case cs.Answer():
            r.cmd("answer", client_state=encode_state({"c": call.pk}))
        case cs.Speak():
            voices = settings.TELNYX_VOICES
            voice = voices.get((command.lang, command.voice_type)) or voices[(command.lang, "female")]
            r.cmd(
                "speak",
                ccid,
                payload=command.text[:3000],
                voice=voice,
                language=LANGUAGE_CODES[command.lang],
                stop="all" if command.interrupt else None,
                client_state=encode_state({"c": call.pk, "s": command.seq}),
            )
        case cs.StartTranscription(lang=lang):
            r.cmd(
                "start_transcription",
                ccid,
                transcription_engine=settings.TELNYX_TRANSCRIPTION_ENGINE,
                transcription_tracks="inbound",
                transcription_engine_config={"language": lang, "interim_results": True},
            )
        case cs.StopTranscription():
            r.cmd("stop_transcription", ccid)
        case cs.StartRecording():
            r.cmd("start_recording", ccid, format="mp3", channels="dual")
        case cs.StartStream():
            r.cmd(
                "start_streaming",
                ccid,
                stream_url=media.stream_url(ccid),
                stream_track="inbound_track",
                stream_codec="PCMU",
                stream_bidirectional_mode="rtp",
                stream_bidirectional_codec="PCMU",
                stream_auth_token=media.stream_token(ccid),
            )
        case cs.StopStream():
            r.cmd("stop_streaming", ccid)
        case cs.Transfer():
            r.cmd(
                "transfer",
                ccid,
                to=command.to,
                from_=call.to_number,
                timeout_secs=command.timeout_secs,
                target_leg_client_state=encode_state({"c": call.pk, "leg": "transfer", "step": command.step}),
            )
        case cs.Hangup():
            r.cmd("hangup", ccid)
        case cs.ArmSilenceTimer(token=token):
            _arm_silence_timer(r, call, token)
        case cs.OpenCallbackTicket():
            _open_callback_ticket(r, call)
        case cs.RelayToStream(text=text):
            voice_relay.transcript(call.pk, text)
        case _:
            raise TypeError(f"no way to carry out {command!r}")


def _escalation(r: CallEvent, call: Call) -> cs.Escalation:
    steps = tuple(escalation.steps_for(call.store, r.at))
    return cs.Escalation(steps=steps, callback_phone=_callback_phone(call))


def _callback_phone(call: Call) -> str:
    return call.from_number if call.customer_id else ""


def _ended(call: Call) -> bool:
    return call.ended_at is not None


def _parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    parsed = parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.UTC)
    return parsed


# --- call.initiated ------------------------------------------------------------------------------
def on_initiated(r: CallEvent) -> inbox.Ignored | None:
    if r.payload.get("direction") == "outgoing" or r.state.get("leg") == "transfer":
        return None  # a leg we dialled (transfer): its answer or hang-up is what matters
    if not r.ccid:
        return inbox.Ignored("call.initiated without call_control_id.")
    if Call.objects.filter(call_control_id=r.ccid).exists():
        return None  # the same call announced again
    to_raw = str(r.payload.get("to") or "")
    number = (
        PhoneNumber.objects.select_related("store__business__owner", "business", "store__subscription")
        .filter(number=_e164(to_raw))
        .first()
    )
    if number is None or number.store is None:
        r.cmd("reject", cause="CALL_REJECTED")
        return inbox.Ignored(f"No store answers {to_raw or 'an empty number'}: the call was rejected.")
    store = number.store
    caller = _e164(str(r.payload.get("from") or ""), region=number.country)
    customer = customer_touch(business=number.business, phone=caller) if caller else None
    state = CallState(
        lang=_store_lang(store),
        voice_type=_voice_type(store),
        pretend_now=sandbox.pretend_now(r.payload, store),  # a sandbox call at a chosen time
    )
    call = Call.objects.create(
        business=number.business,
        store=store,
        phone_number=number,
        customer=customer,
        call_control_id=r.ccid,
        call_session_id=str(r.payload.get("call_session_id") or ""),
        call_leg_id=str(r.payload.get("call_leg_id") or ""),
        direction=Call.Direction.INBOUND,
        from_number=caller or str(r.payload.get("from") or "")[:32],
        to_number=number.number,
        started_at=_parse_time(r.payload.get("start_time")) or r.at,
        control=state.to_json(),
    )
    refusal = _refusal(number, store, call)
    if refusal:
        call.status = Call.Status.REJECTED
        call.save(update_fields=["status", "updated_at"])
    return _decide(r, call, cs.CallArrived(refusal=refusal), state=state)


def _e164(raw: str, *, region: str = "FR") -> str:
    if not raw:
        return ""
    try:
        return to_e164(raw, region=region)
    except ValueError:
        return ""


def _store_lang(store: Store) -> str:
    config = getattr(store, "ai_config", None)
    lang = (config.language if config else "") or store.language
    return supported_language(lang)


def _voice_type(store: Store) -> str:
    config = getattr(store, "ai_config", None)
    return (config.voice_type if config else "") or "female"


def _refusal(number: PhoneNumber, store: Store, call: Call) -> str:
    """Why this call is not for the assistant ('' when it is)."""
    if number.status != PhoneNumber.Status.ACTIVE:
        return "number_inactive"
    subscription = getattr(store, "subscription", None)
    if subscription is None or not subscription.in_good_standing:
        return "number_inactive"
    if not line_limits.acquire(call.business_id, str(call.pk), max_concurrent_calls(subscription)):
        return "busy"
    return ""


# --- call.answered -------------------------------------------------------------------------------
def on_answered(r: CallEvent) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("call.answered for a call we do not know.")
    if r.state.get("leg") == "transfer":
        return _decide(r, call, cs.TransferLegAnswered())
    if _ended(call) or call.answered_at is not None:
        return None  # hung up already (events crossed), or a repeat
    call.answered_at = r.at
    state = state_of(call)
    if state.mode is Mode.REFUSED:
        call.save(update_fields=["answered_at", "updated_at"])
        refused = cs.RefusedCallAnswered()
        if cs.needs_escalation(state, refused):
            refused = cs.RefusedCallAnswered(escalation=_escalation(r, call))
        return _decide(r, call, refused, state=state)
    call.status = Call.Status.ANSWERED
    store = call.store
    call.recording_expected = call.recording_expected or store.record_calls
    lang = state.speech_lang
    session, reply = phone_greeting(
        store,
        caller_phone=call.from_number,
        lang=lang,
        at=r.at,
        pretend_now=state.pretend_now,
        recorded=store.record_calls,
    )
    call.session_key = session.id
    stream = not reply.actions and _streams_voice(store)
    call.conversation_id = session.db_id
    fields = ["answered_at", "status", "recording_expected", "session_key", "conversation"]
    call.save(update_fields=[*fields, "updated_at"])
    answered = cs.CallAnswered(
        greeting=reply.text,
        record=store.record_calls,
        stream=stream,
        telnyx_transcribes=stream and not _local_stt(lang),
        wants_transfer=any(a.get("action") == "transfer" for a in reply.actions),
    )
    return _decide(r, call, answered, state=state)


def _local_stt(lang: str) -> bool:
    from ai.voice.stt import supported  # the recogniser's imports stay off the text loop's path

    return supported(lang)


def _streams_voice(store: Store) -> bool:
    if not settings.VOICE_MEDIA_STREAMS:
        return False
    return bool(ai_context.get_context(store).plan_features.get("realtime_voice"))


# --- the caller speaks ---------------------------------------------------------------------------
def on_transcription(r: CallEvent) -> inbox.Ignored | None:
    data = r.payload.get("transcription_data") or {}
    text = str(data.get("transcript") or "").strip()
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("Transcription for a call we do not know.")
    state = state_of(call)
    streamed = state.mode is Mode.STREAM
    if _ended(call) or (not streamed and call.status != Call.Status.ANSWERED):
        return inbox.Ignored("Transcription after the assistant's part of the call ended.")
    return _decide(r, call, cs.CallerSaid(text=text, final=bool(data.get("is_final")), at=r.at), state=state)


def on_dtmf(r: CallEvent) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return inbox.Ignored("Key press for a call that is not on the line.")
    state = state_of(call)
    pressed = cs.KeyPressed(digit=str(r.payload.get("digit")))
    if cs.needs_escalation(state, pressed):
        pressed = replace(pressed, escalation=_escalation(r, call))
    return _decide(r, call, pressed, state=state)


# --- our speech --------------------------------------------------------------------------------
def on_speak_started(r: CallEvent) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    _decide(r, call, cs.SpeechStarted(seq=r.state.get("s")))


def on_speak_ended(r: CallEvent) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    state = state_of(call)
    ended = cs.SpeechEnded(seq=r.state.get("s"))
    if cs.needs_escalation(state, ended):
        ended = replace(ended, escalation=_escalation(r, call))
    _decide(r, call, ended, state=state)


def _arm_silence_timer(r: CallEvent, call: Call, token: str) -> None:
    lane = call.call_session_id or call.call_control_id
    call_pk, ccid = call.pk, call.call_control_id

    def fire() -> None:
        # telephony.webhooks imports this module (it runs callcontrol.handle): a real cycle
        from telephony.webhooks import queue_own_event

        queue_own_event(
            event_id=f"kalliky-silence:{call_pk}:{token}",
            event_type=SILENCE_EVENT,
            data={
                "payload": {
                    "call_control_id": ccid,
                    "client_state": encode_state({"c": call_pk}),
                    "token": token,
                }
            },
            lane=lane,
        )

    r.after_commit.append(lambda: call_lanes.schedule(lane, "silence", settings.CALL_SILENCE_SECONDS, fire))


def on_silence(r: CallEvent) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return inbox.Ignored("Silence timer of a call no longer with the assistant.")
    fired = cs.SilenceTimerFired(token=str(r.payload.get("token")), reprompts=settings.CALL_SILENCE_REPROMPTS)
    return _decide(r, call, fired)


# --- realtime voice (media streams) --------------------------------------------------------------
def on_stream_action(r: CallEvent) -> inbox.Ignored | None:
    """The voice pipeline's agent asked for a transfer or a hang-up, and its words were heard:
    the same decision as when the text loop's last sentence has been heard."""
    call = _locked_call(r)
    if call is None or _ended(call):
        return inbox.Ignored("Stream action for a call no longer streamed.")
    state = state_of(call)
    action = r.payload.get("action") or {}
    asked = cs.StreamAction(action=str(action.get("action") or ""))
    if cs.needs_escalation(state, asked):
        asked = replace(asked, escalation=_escalation(r, call))
    return _decide(r, call, asked, state=state)


def on_stream_lost(r: CallEvent) -> inbox.Ignored | None:
    """The media stream failed (Telnyx could not connect, the socket dropped, or the Realtime API
    is gone): the call goes on with the text loop, same conversation, nobody hung up on."""
    call = _locked_call(r)
    if call is None or _ended(call):
        return inbox.Ignored("Stream lost on a call that is no longer streamed.")
    state = state_of(call)
    if state.mode is not Mode.STREAM:
        return inbox.Ignored("Stream lost on a call that is no longer streamed.")
    lost = cs.StreamLost(
        reason=str(r.payload.get("reason") or r.payload.get("failure_reason") or ""),
        stop_stream=r.payload.get("stage") == "fallback",
        greeted=r.event.event_type != "streaming.failed",  # Telnyx never connected: greet now
        transcribe=_local_stt(state.speech_lang),  # otherwise transcription runs for the stream
    )
    return _decide(r, call, lost, state=state)


# --- transfer to a human -----------------------------------------------------------------------
def _open_callback_ticket(r: CallEvent, call: Call) -> None:
    session = sessions.load(call.session_key) if call.session_key else None
    summary = escalation.summary_of(session.messages if session else [])
    ticket, created = CallbackTicket.objects.get_or_create(
        call=call,
        defaults={
            "business": call.business,
            "store": call.store,
            "customer": call.customer,
            "phone": call.from_number,
            "summary": summary,
            "reason": "nobody answered the transfer",
        },
    )
    if created:  # once committed, notifications texts the owner (the one sender of texts)
        publish(callback_requested, sender=CallbackTicket, ticket=ticket)


def on_bridged(r: CallEvent) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    call.status = Call.Status.TRANSFERRED
    call.save(update_fields=["status", "updated_at"])
    _decide(r, call, cs.Bridged())


# --- the end -----------------------------------------------------------------------------------
def on_hangup(r: CallEvent) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("Hang-up of a call we do not know.")
    if r.state.get("leg") == "transfer" or (r.ccid and r.ccid != call.call_control_id):
        if not _ended(call):
            leg_ended = cs.TransferLegEnded(
                step=int(r.state.get("step", -1)),
                cause=str(r.payload.get("hangup_cause") or ""),
                callback_phone=_callback_phone(call),
            )
            _decide(r, call, leg_ended)
        return None
    if _ended(call):
        return None  # a repeated hang-up
    ended = _parse_time(r.payload.get("end_time")) or r.at
    cause = str(r.payload.get("hangup_cause") or "")
    call.ended_at = ended
    call.hangup_cause = cause[:64]
    call.hangup_source = str(r.payload.get("hangup_source") or "")[:32]
    if call.answered_at:
        call.duration_seconds = max(0, int((ended - call.answered_at).total_seconds()))
    if call.status in (Call.Status.ANSWERED, Call.Status.RINGING) and call.answered_at:
        call.status = Call.Status.COMPLETED
    elif call.status == Call.Status.RINGING:
        call.status = Call.Status.MISSED if cause in NOT_ANSWERED_OK or not cause else Call.Status.FAILED
    state, _ = cs.decide(state_of(call), cs.HungUp())
    call.control = state.to_json()
    line_limits.release(call.business_id, str(call.pk))
    session = sessions.load(call.session_key) if call.session_key else None
    if session is not None:
        agent.finish(session)
        call.transcript = transcript_of(session.messages)
        call.cost = session.cost
    call.save()
    answered = call.status in (Call.Status.COMPLETED, Call.Status.TRANSFERRED)
    day = timezone.localdate(call.started_at or ended)
    business_id, seconds = call.business_id, call.duration_seconds
    r.after_commit.append(
        lambda: stats.bump(
            business_id, day, calls=1, answered=int(answered), missed=int(not answered), seconds=seconds
        )
    )
    lane = call.call_session_id or call.call_control_id
    r.after_commit.append(lambda: call_lanes.cancel(lane))
    if call.customer_id and call.exchange_id is None:
        # The call's line in the customer's history, once (the call row is locked).
        call.exchange = CustomerExchange.objects.create(
            customer_id=call.customer_id,
            store=call.store,
            type=CustomerExchange.Type.CALL,
            description=_exchange_line(call)[:500],
            content={"duration": call.duration_seconds, "status": call.status},
        )
        call.save(update_fields=["exchange", "updated_at"])
    mark_ready_for_analysis(call, r.after_commit)
    return None


def transcript_of(messages: list[dict[str, Any]]) -> str:
    names = {"assistant": "Assistant", "user": "Client"}
    return "\n".join(
        f"{names[m['role']]}: {m['content']}" for m in messages if m.get("role") in names and m.get("content")
    )


def _exchange_line(call: Call) -> str:
    minutes, seconds = divmod(call.duration_seconds, 60)
    return f"{call.get_status_display()} — {minutes} min {seconds:02d} s"


def on_recording_saved(r: CallEvent) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("Recording of a call we do not know.")
    urls = r.payload.get("recording_urls") or r.payload.get("public_recording_urls") or {}
    url = urls.get("mp3") or urls.get("wav") or ""
    if not url:
        return inbox.Ignored("Recording event without a URL.")
    if call.recording_file:
        return None
    call.recording_url = url
    call.recording_expected = True
    call.save(update_fields=["recording_url", "recording_expected", "updated_at"])
    # telephony.call_tasks (a Celery task module) imports this one: download_recording marks the call ready
    from telephony.call_tasks import download_recording

    call_pk = call.pk
    r.after_commit.append(lambda: download_recording.delay(call_pk))
    return None


def mark_ready_for_analysis(call: Call, after_commit: list[Any] | None = None) -> bool:
    """Once per call: when it has ended and its recording (if one is expected) is stored."""
    if call.ended_at is None:
        return False
    if call.recording_expected and not call.recording_file and not call.control.get("recording_failed"):
        return False
    updated = Call.objects.filter(pk=call.pk, analysis_ready_at__isnull=True).update(
        analysis_ready_at=timezone.now()
    )
    if not updated:
        return False
    call_pk = call.pk

    def announce() -> None:
        call_ready_for_analysis.send(sender=Call, call_id=call_pk)

    if after_commit is not None:
        after_commit.append(announce)
    else:
        transaction.on_commit(announce)
    return True


HANDLERS = {
    "call.initiated": on_initiated,
    "call.answered": on_answered,
    "call.transcription": on_transcription,
    "call.dtmf.received": on_dtmf,
    "call.speak.started": on_speak_started,
    "call.speak.ended": on_speak_ended,
    "call.bridged": on_bridged,
    "call.hangup": on_hangup,
    "call.recording.saved": on_recording_saved,
    SILENCE_EVENT: on_silence,
    STREAM_ACTION_EVENT: on_stream_action,
    STREAM_LOST_EVENT: on_stream_lost,
    "streaming.failed": on_stream_lost,
    TRANSFER_REFUSED_EVENT: on_hangup,
}
# Known events that need no reaction from the text loop (the media-stream issue uses streaming.*).
NOTHING_TO_DO = {
    "call.playback.started",
    "call.playback.ended",
    "call.gather.ended",
    "call.machine.detection.ended",
    "call.machine.premium.detection.ended",
    "call.recording.error",
    "call.refer.completed",
    "streaming.started",
    "streaming.stopped",
    "call.conversation.ended",
    "call.cost",
}
