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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ai import agent
from ai import context as ai_context
from ai import session as sessions
from ai.brains.phrases import when as spoken_when
from billing.plans import max_concurrent_calls
from kalliky import inbox
from kalliky.phones import to_e164
from stores.availability import is_open_at, next_opening
from stores.models import CustomerExchange, Store
from stores.services.customers import customer_touch
from telephony import escalation, media, reactions, sandbox, slots, stats, voice_relay
from telephony.models import Call, CallbackTicket, PhoneNumber, TelnyxEvent
from telephony.phrases import say
from telephony.providers import decode_state, encode_state
from telephony.voice_relay import STREAM_ACTION_EVENT, STREAM_LOST_EVENT

log = logging.getLogger(__name__)

# Sent once per call (on commit) when the Call row holds everything the analysis needs: the
# hang-up, the conversation, and the recording when one was expected.
call_ready_for_analysis = Signal()

SILENCE_EVENT = "kalliky.silence"
TRANSFER_REFUSED_EVENT = "kalliky.transfer.refused"
# Hang-up causes of a transfer leg that mean "try the next person".
TRANSFER_FAILED = {
    "timeout",
    "user_busy",
    "no_answer",
    "call_rejected",
    "unallocated_number",
    "destination_out_of_order",
}
NOT_ANSWERED_OK = {"normal_clearing", "originator_cancel", "no_answer", "timeout", "user_busy"}
DUPLICATE_WINDOW = timedelta(seconds=3)
LANGUAGE_CODES = {"fr": "fr-FR", "en": "en-US"}


@dataclass
class Reaction:
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
    reaction = Reaction(event=event, payload=payload, state=decode_state(payload.get("client_state")))
    handler = HANDLERS.get(event.event_type)
    if handler is None:
        if event.event_type in NOTHING_TO_DO:
            return None
        return inbox.Ignored(f"Unknown event type {event.event_type!r}: recorded, nothing to do.")
    outcome = handler(reaction)
    if reaction.commands:
        event.commands = reaction.commands  # saved with the event's status (PROCESS_FIELDS)
        decided = list(reaction.commands)
        transaction.on_commit(lambda: send_commands(event.pk, decided))
    for job in reaction.after_commit:
        transaction.on_commit(job)
    return outcome


def send_commands(event_pk: int, commands: list[dict[str, Any]]) -> None:
    """Send the event's unsent commands in order. A hung-up call ends the list quietly; a
    failure Telnyx may recover from puts the event back in the inbox's retry schedule."""
    from telephony.providers import CallEnded, TelnyxCommandError, get_provider

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
    from telephony.webhooks import ingest_and_process

    ingest_and_process(
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


# --- helpers -------------------------------------------------------------------------------------
def _locked_call(r: Reaction) -> Call | None:
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


def _lang(call: Call) -> str:
    lang = (call.control or {}).get("lang") or (call.store.language if call.store else "fr")
    return lang if lang in ("fr", "en") else "fr"


def _speak(r: Reaction, call: Call, text: str, *, interrupt: bool = False) -> None:
    lang = _lang(call)
    voice_type = (call.control or {}).get("voice_type", "female")
    voice = settings.TELNYX_VOICES.get((lang, voice_type)) or settings.TELNYX_VOICES[(lang, "female")]
    seq = call.control.get("speech_seq", 0) + 1
    call.control["speech_seq"] = seq
    # The sequence number comes back on speak.started/ended: we know which sentence finished.
    r.cmd(
        "speak",
        call.call_control_id,
        payload=text[:3000],
        voice=voice,
        language=LANGUAGE_CODES[lang],
        stop="all" if interrupt else None,
        client_state=encode_state({"c": call.pk, "s": seq}),
    )


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
def on_initiated(r: Reaction) -> inbox.Ignored | None:
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
        control={"lang": _store_lang(store), "voice_type": _voice_type(store)},
    )
    pretend = sandbox.pretend_now(r.payload, store)
    if pretend is not None:  # a sandbox call run at the caller's chosen time
        call.control["pretend_now"] = pretend.isoformat()
    refusal = _refusal(number, store, call)
    if refusal:
        call.status = Call.Status.REJECTED
        call.control.update(mode="refused", reason=refusal)
        call.save(update_fields=["status", "control", "updated_at"])
    else:
        call.control["mode"] = "ai"
        call.save(update_fields=["control", "updated_at"])
    r.cmd("answer", client_state=encode_state({"c": call.pk}))
    return None


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
    return lang if lang in ("fr", "en") else "fr"


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
    if not slots.acquire(call.business_id, str(call.pk), max_concurrent_calls(subscription)):
        return "busy"
    return ""


# --- call.answered -------------------------------------------------------------------------------
def on_answered(r: Reaction) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("call.answered for a call we do not know.")
    if r.state.get("leg") == "transfer":
        call.control.setdefault("transfer", {})["answered"] = True
        call.save(update_fields=["control", "updated_at"])
        return None
    if _ended(call) or call.answered_at is not None:
        return None  # hung up already (events crossed), or a repeat
    call.answered_at = r.at
    lang = _lang(call)
    if call.control.get("mode") == "refused":
        call.save(update_fields=["answered_at", "updated_at"])
        _refuse(r, call, lang)
        return None
    call.status = Call.Status.ANSWERED
    store = call.store
    if store.record_calls:
        r.cmd("start_recording", call.call_control_id, format="mp3", channels="dual")
        call.recording_expected = True
    pretend = _pretend_now(call)
    session, reply = agent.begin(
        store,
        channel="phone",
        caller_phone=call.from_number,
        sandbox=False,
        lang=lang,
        now=pretend,
    )
    call.session_key = session.id
    call.conversation_id = session.db_id
    text = reply.text
    if store.record_calls:
        notice = say("recording_notice", lang)
        text = f"{text} {notice}" if reply.actions else f"{notice} {text}"
    closed = _closed_line(store, lang, pretend or r.at)
    if closed and not reply.actions:
        text = f"{text} {closed}"
    if not reply.actions and _streams_voice(store):
        # Realtime voice: Telnyx sends the call's audio to our socket, which speaks the greeting.
        call.control["mode"] = "stream"
        call.control["greeting"] = text
        _start_stream(r, call)
        if not _local_stt(lang):  # the words come from Telnyx's transcription
            _start_transcription(r, call, lang)
        fields = ["answered_at", "status", "recording_expected", "session_key", "conversation", "control"]
        call.save(update_fields=[*fields, "updated_at"])
        return None
    _start_transcription(r, call, lang)
    _speak(r, call, text)
    if any(a.get("action") == "transfer" for a in reply.actions):
        call.control["after_speech"] = "escalate"
    fields = ["answered_at", "status", "recording_expected", "session_key", "conversation", "control"]
    call.save(update_fields=[*fields, "updated_at"])
    return None


def _pretend_now(call: Call) -> datetime | None:
    """Set at call.initiated for a sandbox call only (telephony.sandbox)."""
    value = call.control.get("pretend_now")
    return datetime.fromisoformat(value) if value else None


def _start_transcription(r: Reaction, call: Call, lang: str) -> None:
    r.cmd(
        "start_transcription",
        call.call_control_id,
        transcription_engine=settings.TELNYX_TRANSCRIPTION_ENGINE,
        transcription_tracks="inbound",
        transcription_engine_config={"language": lang, "interim_results": True},
    )


def _local_stt(lang: str) -> bool:
    from ai.voice.stt import supported  # the recogniser's imports stay off the text loop's path

    return supported(lang)


def _streams_voice(store: Store) -> bool:
    if not settings.VOICE_MEDIA_STREAMS:
        return False
    return bool(ai_context.get_context(store).plan_features.get("realtime_voice"))


def _start_stream(r: Reaction, call: Call) -> None:
    ccid = call.call_control_id
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


def _closed_line(store: Store, lang: str, at: datetime) -> str:
    if not store.opening_intervals.exists() or is_open_at(store, at):
        return ""
    reopen_at = next_opening(store, at)
    today = at.astimezone(reopen_at.tzinfo).date() if reopen_at else None
    reopen = say("reopen", lang, when=spoken_when(reopen_at, lang, today=today)) if reopen_at else ""
    if store.has_reservations or store.has_consultations:
        can = say("can_reserve", lang)
    elif store.has_products:
        can = say("can_order", lang)
    else:
        can = say("can_questions", lang)
    return say("closed_now", lang, reopen=reopen, can=can)


def _refuse(r: Reaction, call: Call, lang: str) -> None:
    reason = call.control.get("reason")
    steps = escalation.steps_for(call.store, r.at) if reason == "busy" else []
    if steps:
        _speak(r, call, say("busy_transfer", lang))
        call.control["after_speech"] = "escalate"
    else:
        _speak(r, call, say("busy" if reason == "busy" else "number_inactive", lang))
        call.control["after_speech"] = "hangup"
    call.save(update_fields=["control", "updated_at"])


# --- the caller speaks ---------------------------------------------------------------------------
def on_transcription(r: Reaction) -> inbox.Ignored | None:
    data = r.payload.get("transcription_data") or {}
    text = str(data.get("transcript") or "").strip()
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("Transcription for a call we do not know.")
    if call.control.get("mode") == "stream" and not _ended(call):
        # Realtime voice in a language our recogniser lacks: the words go to the call's socket.
        if data.get("is_final") and text:
            voice_relay.transcript(call.pk, text)
        return None
    if _ended(call) or call.control.get("mode") != "ai" or call.status != Call.Status.ANSWERED:
        return inbox.Ignored("Transcription after the assistant's part of the call ended.")
    call.control["activity"] = call.control.get("activity", 0) + 1
    if not data.get("is_final") or not text:
        call.save(update_fields=["control", "updated_at"])
        return None
    last = call.control.get("last_final") or {}
    last_at = _parse_time(last.get("at"))
    if last.get("text") == text and last_at and abs(r.at - last_at) <= DUPLICATE_WINDOW:
        call.save(update_fields=["control", "updated_at"])
        return inbox.Ignored("The same sentence delivered twice.")
    call.control["last_final"] = {"text": text, "at": r.at.isoformat()}
    call.control["silences"] = 0
    session = sessions.load(call.session_key) if call.session_key else None
    if session is None or session.ended:
        _speak(r, call, say("lost_session", _lang(call)), interrupt=_speaking(call))
        call.save(update_fields=["control", "updated_at"])
        return None
    reply = agent.respond(session, text)
    _speak(r, call, reply.text, interrupt=_speaking(call))
    for action in reply.actions:
        if action.get("action") == "transfer":
            call.control["after_speech"] = "escalate"
        elif action.get("action") == "hangup" and call.control.get("after_speech") != "escalate":
            call.control["after_speech"] = "hangup"
    call.save(update_fields=["control", "updated_at"])
    return None


def _speaking(call: Call) -> bool:
    return bool(call.control.get("playing"))


def on_dtmf(r: Reaction) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return inbox.Ignored("Key press for a call that is not on the line.")
    call.control["activity"] = call.control.get("activity", 0) + 1
    if str(r.payload.get("digit")) == "0" and call.control.get("mode") == "ai":
        call.control["mode"] = "human"
        r.cmd("stop_transcription", call.call_control_id)
        _escalate(r, call, interrupt=_speaking(call))
    call.save(update_fields=["control", "updated_at"])
    return None


# --- our speech --------------------------------------------------------------------------------
def on_speak_started(r: Reaction) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    seq = r.state.get("s")
    if seq is not None and seq not in call.control.get("played", []):  # not already over (crossed)
        call.control["playing"] = sorted({*call.control.get("playing", []), seq})
        call.save(update_fields=["control", "updated_at"])


def on_speak_ended(r: Reaction) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    latest = call.control.get("speech_seq", 0)
    seq = r.state.get("s", latest)
    call.control["playing"] = [s for s in call.control.get("playing", []) if s != seq]
    call.control["played"] = [*call.control.get("played", [])[-19:], seq]
    if seq == latest:  # what we said last has been heard (or cut): time for what comes next
        after = call.control.pop("after_speech", None)
        if after == "hangup":
            r.cmd("hangup", call.call_control_id)
        elif after == "escalate":
            if call.control.get("mode") == "ai":
                call.control["mode"] = "human"
                r.cmd("stop_transcription", call.call_control_id)
            _escalate(r, call)
        elif after and after.startswith("transfer:"):
            _transfer(r, call, int(after.split(":", 1)[1]))
        elif call.control.get("mode") == "ai":
            _arm_silence_timer(r, call)
    call.save(update_fields=["control", "updated_at"])


def _arm_silence_timer(r: Reaction, call: Call) -> None:
    token = f"{call.control.get('activity', 0)}.{call.control.get('speech_seq', 0)}"
    lane = call.call_session_id or call.call_control_id
    call_pk, ccid = call.pk, call.call_control_id

    def fire() -> None:
        from telephony.webhooks import ingest_and_process

        ingest_and_process(
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

    r.after_commit.append(lambda: reactions.schedule(lane, "silence", settings.CALL_SILENCE_SECONDS, fire))


def on_silence(r: Reaction) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None or _ended(call) or call.control.get("mode") != "ai":
        return inbox.Ignored("Silence timer of a call no longer with the assistant.")
    token = f"{call.control.get('activity', 0)}.{call.control.get('speech_seq', 0)}"
    if r.payload.get("token") != token or _speaking(call):
        return inbox.Ignored("The caller spoke since: no reprompt.")
    lang = _lang(call)
    silences = call.control.get("silences", 0)
    if silences < settings.CALL_SILENCE_REPROMPTS:
        call.control["silences"] = silences + 1
        _speak(r, call, say("reprompt", lang))
    else:
        _speak(r, call, say("silence_goodbye", lang))
        call.control["after_speech"] = "hangup"
    call.save(update_fields=["control", "updated_at"])
    return None


# --- realtime voice (media streams) --------------------------------------------------------------
def on_stream_action(r: Reaction) -> inbox.Ignored | None:
    """The voice pipeline's agent asked for a transfer or a hang-up, and its words were heard."""
    call = _locked_call(r)
    if call is None or _ended(call) or call.control.get("mode") != "stream":
        return inbox.Ignored("Stream action for a call no longer streamed.")
    action = r.payload.get("action") or {}
    if action.get("action") == "hangup":
        r.cmd("hangup", call.call_control_id)
    elif action.get("action") == "transfer":
        call.control["mode"] = "human"
        r.cmd("stop_streaming", call.call_control_id)
        _escalate(r, call)
    else:
        return inbox.Ignored(f"Unknown stream action {action.get('action')!r}.")
    call.save(update_fields=["control", "updated_at"])
    return None


def on_stream_lost(r: Reaction) -> inbox.Ignored | None:
    """The media stream failed (Telnyx could not connect, the socket dropped, or the Realtime API
    is gone): the call goes on with the text loop, same conversation, nobody hung up on."""
    call = _locked_call(r)
    if call is None or _ended(call) or call.control.get("mode") != "stream":
        return inbox.Ignored("Stream lost on a call that is no longer streamed.")
    lang = _lang(call)
    call.control["mode"] = "ai"
    call.control["stream_lost"] = str(r.payload.get("reason") or r.payload.get("failure_reason") or "")[:200]
    if r.payload.get("stage") == "fallback":
        r.cmd("stop_streaming", call.call_control_id)
    if _local_stt(lang):  # otherwise transcription already runs for the stream
        _start_transcription(r, call, lang)
    greeted = r.event.event_type == "streaming.failed"
    _speak(r, call, call.control.get("greeting", "") if greeted else say("stream_lost", lang))
    call.save(update_fields=["control", "updated_at"])
    return None


# --- transfer to a human -----------------------------------------------------------------------
def _escalate(r: Reaction, call: Call, *, interrupt: bool = False) -> None:
    """Start (or restart) the chain at its first step."""
    steps = escalation.steps_for(call.store, r.at)
    call.control["escalation"] = {"steps": [s.__dict__ for s in steps], "index": 0}
    if not steps:
        _promise_callback(r, call, interrupt=interrupt)
        return
    _speak(r, call, say("connecting", _lang(call), label=steps[0].label), interrupt=interrupt)
    call.control["after_speech"] = "transfer:0"


def _transfer(r: Reaction, call: Call, index: int) -> None:
    step = call.control["escalation"]["steps"][index]
    call.control["escalation"]["index"] = index
    call.control["transfer"] = {"index": index, "answered": False}
    r.cmd(
        "transfer",
        call.call_control_id,
        to=step["phone"],
        from_=call.to_number,
        timeout_secs=int(step["timeout_secs"]),
        target_leg_client_state=encode_state({"c": call.pk, "leg": "transfer", "step": index}),
    )


def _next_step(r: Reaction, call: Call, failed_index: int) -> None:
    chain = call.control.get("escalation") or {}
    steps = chain.get("steps") or []
    if failed_index != chain.get("index") or call.control.get("bridged"):
        return  # an older leg's hang-up, or the caller is already talking to someone
    following = failed_index + 1
    if following < len(steps):
        _speak(
            r,
            call,
            say(
                "next_step",
                _lang(call),
                previous=steps[failed_index]["label"],
                label=steps[following]["label"],
            ),
        )
        call.control["after_speech"] = f"transfer:{following}"
        chain["index"] = following
        return
    _promise_callback(r, call)


def _promise_callback(r: Reaction, call: Call, *, interrupt: bool = False) -> None:
    lang = _lang(call)
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
    if created:
        from telephony.call_tasks import text_callback_to_owner

        ticket_pk = ticket.pk
        r.after_commit.append(lambda: text_callback_to_owner.delay(ticket_pk))
    phone = call.from_number if call.customer_id else ""
    text = say("callback", lang, phone=_spell_phone(phone)) if phone else say("callback_no_phone", lang)
    _speak(r, call, text, interrupt=interrupt)
    call.control["after_speech"] = "hangup"


def _spell_phone(phone: str) -> str:
    digits = phone.replace("+33", "0") if phone.startswith("+33") else phone
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def on_bridged(r: Reaction) -> None:
    call = _locked_call(r)
    if call is None or _ended(call):
        return
    call.control["bridged"] = True
    call.status = Call.Status.TRANSFERRED
    call.save(update_fields=["control", "status", "updated_at"])


# --- the end -----------------------------------------------------------------------------------
def on_hangup(r: Reaction) -> inbox.Ignored | None:
    call = _locked_call(r)
    if call is None:
        return inbox.Ignored("Hang-up of a call we do not know.")
    if r.state.get("leg") == "transfer" or (r.ccid and r.ccid != call.call_control_id):
        cause = str(r.payload.get("hangup_cause") or "")
        if not _ended(call) and cause in TRANSFER_FAILED:
            _next_step(r, call, int(r.state.get("step", -1)))
            call.save(update_fields=["control", "updated_at"])
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
    call.control["playing"] = []
    slots.release(call.business_id, str(call.pk))
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
    r.after_commit.append(lambda: reactions.cancel(lane))
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


def on_recording_saved(r: Reaction) -> inbox.Ignored | None:
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
