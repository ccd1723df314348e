"""A call's control state as a typed, versioned value, and the pure rule of what each event does.

`Call.control` holds `CallState.to_json()`. `CallState.from_json` also reads the shape written
before the state had a version (free-form keys, "transfer:0" strings), so a call that is on the
line during a deploy carries on.

`decide(state, event) -> (state, commands)` is the whole call-control policy: when to speak,
transfer, hang up, hand the call to a human, re-prompt a silent caller. It reads no database,
no settings, no clock and sends nothing: what it needs comes in the event (built by the adapter
in telephony/callcontrol.py from a Telnyx webhook and the Call row), and what it wants done goes
out as typed commands that the adapter turns into Telnyx commands and jobs after the commit.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from kalliky.languages import supported_language
from telephony.phrases import say

VERSION = 2
DUPLICATE_WINDOW = timedelta(seconds=3)
PLAYED_KEPT = 20  # sentence numbers remembered as over, to recognise a late speak.started
# Hang-up causes of a transfer leg that mean "try the next person".
TRANSFER_FAILED = frozenset(
    {
        "timeout",
        "user_busy",
        "no_answer",
        "call_rejected",
        "unallocated_number",
        "destination_out_of_order",
    }
)


# --- the state --------------------------------------------------------------------------------
class Mode(enum.StrEnum):
    AI = "ai"  # the assistant talks through Telnyx transcription and speech
    STREAM = "stream"  # the assistant talks through the media stream (realtime voice)
    HUMAN = "human"  # handed to a person (transfer chain or call-back promise)
    REFUSED = "refused"  # inactive number or no free line: a message, then hang up or transfer


class Then(enum.StrEnum):
    """What to do once the last sentence we said has been heard."""

    HANGUP = "hangup"
    ESCALATE = "escalate"  # start the transfer chain at its first step
    TRANSFER = "transfer"  # dial step `AfterSpeech.step` of the chain


@dataclass(frozen=True)
class AfterSpeech:
    then: Then
    step: int = 0


@dataclass(frozen=True)
class Step:
    """One person of the transfer chain (telephony.escalation builds them from the store)."""

    label: str
    phone: str
    timeout_secs: int


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    index: int = 0


@dataclass(frozen=True)
class Leg:
    """The transfer leg being dialled: which step, and whether that person picked up."""

    step: int | None
    answered: bool = False


@dataclass(frozen=True)
class Heard:
    """The caller's last final sentence, to drop the same one delivered twice."""

    text: str
    at: datetime | None


@dataclass(frozen=True)
class CallState:
    version: int = VERSION
    mode: Mode | None = None
    lang: str = ""
    voice_type: str = "female"
    reason: str = ""  # why a refused call was refused: "busy" or "number_inactive"
    pretend_now: datetime | None = None  # a sandbox call run at the caller's chosen time
    greeting: str = ""  # what a streamed call says first (or after the stream is lost)
    stream_lost: str = ""
    recording_failed: str = ""  # written by the recording download (telephony.call_tasks)
    speech_seq: int = 0  # number of the last sentence we asked Telnyx to say
    playing: tuple[int, ...] = ()
    played: tuple[int, ...] = ()
    after_speech: AfterSpeech | None = None
    chain: Chain | None = None
    transfer: Leg | None = None
    bridged: bool = False
    activity: int = 0  # caller activity (words, keys): a silence timer armed before is stale
    silences: int = 0
    last_heard: Heard | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this version does not know

    @property
    def speech_lang(self) -> str:
        return supported_language(self.lang)

    @property
    def speaking(self) -> bool:
        return bool(self.playing)

    @property
    def silence_token(self) -> str:
        """Names the quiet moment a timer was armed for: any activity or new sentence moves it."""
        return f"{self.activity}.{self.speech_seq}"

    # --- storage -----------------------------------------------------------------------------
    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CallState:
        """Read a stored state: this version's, or the unversioned dict of earlier releases."""
        data = dict(data or {})
        known = {
            "version",
            "mode",
            "lang",
            "voice_type",
            "reason",
            "pretend_now",
            "greeting",
            "stream_lost",
            "recording_failed",
            "speech_seq",
            "playing",
            "played",
            "next",
            "after_speech",
            "escalation",
            "transfer",
            "bridged",
            "activity",
            "silences",
            "last_final",
        }
        chain = data.get("escalation") or None
        transfer = data.get("transfer")
        last = data.get("last_final") or None
        mode = data.get("mode")
        return cls(
            version=VERSION,
            mode=Mode(mode) if mode in Mode._value2member_map_ else None,
            lang=str(data.get("lang") or ""),
            voice_type=str(data.get("voice_type") or "female"),
            reason=str(data.get("reason") or ""),
            pretend_now=_time(data.get("pretend_now")),
            greeting=str(data.get("greeting") or ""),
            stream_lost=str(data.get("stream_lost") or ""),
            recording_failed=str(data.get("recording_failed") or ""),
            speech_seq=int(data.get("speech_seq") or 0),
            playing=tuple(int(s) for s in data.get("playing") or ()),
            played=tuple(int(s) for s in data.get("played") or ()),
            after_speech=_after_speech(data.get("next", data.get("after_speech"))),
            chain=Chain(
                steps=tuple(
                    Step(**{k: s[k] for k in ("label", "phone", "timeout_secs")}) for s in chain["steps"]
                ),
                index=int(chain.get("index") or 0),
            )
            if isinstance(chain, dict) and "steps" in chain
            else None,
            transfer=Leg(step=transfer.get("index"), answered=bool(transfer.get("answered")))
            if isinstance(transfer, dict)
            else None,
            bridged=bool(data.get("bridged")),
            activity=int(data.get("activity") or 0),
            silences=int(data.get("silences") or 0),
            last_heard=Heard(text=str(last.get("text") or ""), at=_time(last.get("at")))
            if isinstance(last, dict)
            else None,
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_json(self) -> dict[str, Any]:
        """The stored shape: defaults left out, so a young call's state stays a few keys. The
        keys other readers use keep their old names and meaning (mode, lang, reason,
        pretend_now, greeting, recording_failed)."""
        out: dict[str, Any] = {**self.extra, "version": self.version}
        if self.mode is not None:
            out["mode"] = self.mode.value
        if self.lang:
            out["lang"] = self.lang
        out["voice_type"] = self.voice_type
        for key in ("reason", "greeting", "stream_lost", "recording_failed"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.pretend_now is not None:
            out["pretend_now"] = self.pretend_now.isoformat()
        for key in ("speech_seq", "activity", "silences"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.playing or self.played:
            out["playing"] = list(self.playing)
        if self.played:
            out["played"] = list(self.played)
        if self.after_speech is not None:
            out["next"] = {"then": self.after_speech.then.value, "step": self.after_speech.step}
        if self.chain is not None:
            out["escalation"] = {
                "steps": [s.__dict__.copy() for s in self.chain.steps],
                "index": self.chain.index,
            }
        if self.transfer is not None:
            out["transfer"] = {"index": self.transfer.step, "answered": self.transfer.answered}
        if self.bridged:
            out["bridged"] = True
        if self.last_heard is not None:
            at = self.last_heard.at.isoformat() if self.last_heard.at else None
            out["last_final"] = {"text": self.last_heard.text, "at": at}
        return out


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _after_speech(value: Any) -> AfterSpeech | None:
    """Both shapes: {"then": "transfer", "step": 1} and the old "hangup"/"escalate"/"transfer:1"."""
    if isinstance(value, dict):
        then = value.get("then")
        if then in Then._value2member_map_:
            return AfterSpeech(Then(then), int(value.get("step") or 0))
        return None
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("transfer:"):
        return AfterSpeech(Then.TRANSFER, int(value.split(":", 1)[1]))
    if value in Then._value2member_map_:
        return AfterSpeech(Then(value))
    return None


# --- events (built by the adapter) --------------------------------------------------------------
@dataclass(frozen=True)
class Escalation:
    """What the transfer chain needs to start: who applies now, and which number to promise a
    call-back on ('' when the caller is unknown). The adapter looks it up only when
    `needs_escalation(state, event)` says so."""

    steps: tuple[Step, ...]
    callback_phone: str = ""


@dataclass(frozen=True)
class CallArrived:
    refusal: str = ""  # "" when the assistant takes the call


@dataclass(frozen=True)
class CallAnswered:
    greeting: str
    record: bool = False
    stream: bool = False  # realtime voice over a media stream
    telnyx_transcribes: bool = True  # for a stream: words come from Telnyx, not our recogniser
    wants_transfer: bool = False  # the greeting itself hands over (assistant paused)


@dataclass(frozen=True)
class RefusedCallAnswered:
    escalation: Escalation | None = None


@dataclass(frozen=True)
class TransferLegAnswered:
    pass


@dataclass(frozen=True)
class CallerSaid:
    text: str
    final: bool
    at: datetime


@dataclass(frozen=True)
class AssistantReplied:
    text: str
    transfer: bool = False
    hangup: bool = False


@dataclass(frozen=True)
class SessionLost:
    pass


@dataclass(frozen=True)
class KeyPressed:
    digit: str
    escalation: Escalation | None = None


@dataclass(frozen=True)
class SpeechStarted:
    seq: int | None


@dataclass(frozen=True)
class SpeechEnded:
    seq: int | None  # None: the last one we said
    escalation: Escalation | None = None


@dataclass(frozen=True)
class SilenceTimerFired:
    token: str
    reprompts: int  # how many re-prompts before we say goodbye


@dataclass(frozen=True)
class StreamAction:
    """The streamed pipeline's agent asked for something, and its words were heard."""

    action: str  # "transfer" or "hangup"
    escalation: Escalation | None = None


@dataclass(frozen=True)
class StreamLost:
    reason: str
    stop_stream: bool  # the pipeline gave up: the stream is still open on Telnyx's side
    greeted: bool  # False when the stream never started: the greeting is still to be said
    transcribe: bool  # start Telnyx transcription (it did not run alongside the stream)


@dataclass(frozen=True)
class TransferLegEnded:
    step: int
    cause: str
    callback_phone: str = ""


@dataclass(frozen=True)
class Bridged:
    pass


@dataclass(frozen=True)
class HungUp:
    pass


Event = (
    CallArrived
    | CallAnswered
    | RefusedCallAnswered
    | TransferLegAnswered
    | CallerSaid
    | AssistantReplied
    | SessionLost
    | KeyPressed
    | SpeechStarted
    | SpeechEnded
    | SilenceTimerFired
    | StreamAction
    | StreamLost
    | TransferLegEnded
    | Bridged
    | HungUp
)


# --- commands (carried out by the adapter) --------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    pass


@dataclass(frozen=True)
class Speak:
    text: str
    seq: int
    lang: str
    voice_type: str
    interrupt: bool = False


@dataclass(frozen=True)
class StartTranscription:
    lang: str


@dataclass(frozen=True)
class StopTranscription:
    pass


@dataclass(frozen=True)
class StartRecording:
    pass


@dataclass(frozen=True)
class StartStream:
    pass


@dataclass(frozen=True)
class StopStream:
    pass


@dataclass(frozen=True)
class Transfer:
    step: int
    to: str
    timeout_secs: int


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class ArmSilenceTimer:
    token: str


@dataclass(frozen=True)
class OpenCallbackTicket:
    """Nobody could take the call: record it for a call-back (and tell the owner)."""


@dataclass(frozen=True)
class AskAssistant:
    """Run the assistant's turn on these words; its reply comes back as AssistantReplied
    (or SessionLost)."""

    text: str


@dataclass(frozen=True)
class RelayToStream:
    """Words from Telnyx transcription for the streamed pipeline holding the call."""

    text: str


@dataclass(frozen=True)
class Ignore:
    """Nothing to do: the event came too late, twice, or for another mode. Recorded as such."""

    reason: str


Command = (
    Answer
    | Speak
    | StartTranscription
    | StopTranscription
    | StartRecording
    | StartStream
    | StopStream
    | Transfer
    | Hangup
    | ArmSilenceTimer
    | OpenCallbackTicket
    | AskAssistant
    | RelayToStream
    | Ignore
)
Decision = tuple[CallState, list[Command]]


# --- the rule -------------------------------------------------------------------------------------
def needs_escalation(state: CallState, event: Event) -> bool:
    """Whether `event` may start the transfer chain, so the adapter looks the chain up."""
    match event:
        case KeyPressed(digit="0"):
            return state.mode is Mode.AI
        case SpeechEnded(seq=seq):
            last = seq is None or seq == state.speech_seq
            return last and state.after_speech == AfterSpeech(Then.ESCALATE)
        case StreamAction(action="transfer"):
            return state.mode is Mode.STREAM
        case RefusedCallAnswered():
            return state.reason == "busy"
    return False


def decide(state: CallState, event: Event) -> Decision:
    match event:
        case CallArrived(refusal=refusal):
            if refusal:
                return replace(state, mode=Mode.REFUSED, reason=refusal), [Answer()]
            return replace(state, mode=Mode.AI), [Answer()]
        case CallAnswered():
            return _answered(state, event)
        case RefusedCallAnswered(escalation=escalation):
            if escalation is not None and escalation.steps:
                state, speak = _speak(state, say("busy_transfer", state.speech_lang))
                return replace(state, after_speech=AfterSpeech(Then.ESCALATE)), [speak]
            key = "busy" if state.reason == "busy" else "number_inactive"
            state, speak = _speak(state, say(key, state.speech_lang))
            return replace(state, after_speech=AfterSpeech(Then.HANGUP)), [speak]
        case TransferLegAnswered():
            leg = state.transfer or Leg(step=None)
            return replace(state, transfer=replace(leg, answered=True)), []
        case CallerSaid():
            return _caller_said(state, event)
        case AssistantReplied(text=text, transfer=transfer, hangup=hangup):
            state, speak = _speak(state, text, interrupt=state.speaking)
            if transfer:
                state = replace(state, after_speech=AfterSpeech(Then.ESCALATE))
            elif hangup and state.after_speech != AfterSpeech(Then.ESCALATE):
                state = replace(state, after_speech=AfterSpeech(Then.HANGUP))
            return state, [speak]
        case SessionLost():
            state, speak = _speak(state, say("lost_session", state.speech_lang), interrupt=state.speaking)
            return state, [speak]
        case KeyPressed(digit=digit, escalation=escalation):
            state = replace(state, activity=state.activity + 1)
            if digit == "0" and state.mode is Mode.AI:
                interrupt = state.speaking
                state, handed = _hand_to_human(state)
                state, escalate = _escalate(state, escalation, interrupt=interrupt)
                return state, handed + escalate
            return state, []
        case SpeechStarted(seq=seq):
            if seq is not None and seq not in state.played:  # not already over (events crossed)
                return replace(state, playing=tuple(sorted({*state.playing, seq}))), []
            return state, []
        case SpeechEnded():
            return _speech_ended(state, event)
        case SilenceTimerFired(token=token, reprompts=reprompts):
            if state.mode is not Mode.AI:
                return state, [Ignore("Silence timer of a call no longer with the assistant.")]
            if token != state.silence_token or state.speaking:
                return state, [Ignore("The caller spoke since: no reprompt.")]
            if state.silences < reprompts:
                state = replace(state, silences=state.silences + 1)
                state, speak = _speak(state, say("reprompt", state.speech_lang))
                return state, [speak]
            state, speak = _speak(state, say("silence_goodbye", state.speech_lang))
            return replace(state, after_speech=AfterSpeech(Then.HANGUP)), [speak]
        case StreamAction(action=action, escalation=escalation):
            if state.mode is not Mode.STREAM:
                return state, [Ignore("Stream action for a call no longer streamed.")]
            # The same decisions as after the text loop's last sentence was heard.
            if action == "hangup":
                return _carry_out(state, AfterSpeech(Then.HANGUP), escalation)
            if action == "transfer":
                return _carry_out(state, AfterSpeech(Then.ESCALATE), escalation)
            return state, [Ignore(f"Unknown stream action {action!r}.")]
        case StreamLost():
            return _stream_lost(state, event)
        case TransferLegEnded(step=step, cause=cause, callback_phone=phone):
            if cause not in TRANSFER_FAILED:
                return state, []
            return _next_step(state, step, phone)
        case Bridged():
            return replace(state, bridged=True), []
        case HungUp():
            return replace(state, playing=()), []
    raise TypeError(f"not a call event: {event!r}")


def _speak(state: CallState, text: str, *, interrupt: bool = False) -> tuple[CallState, Speak]:
    # The sequence number comes back on speak.started/ended: we know which sentence finished.
    seq = state.speech_seq + 1
    speak = Speak(
        text=text, seq=seq, lang=state.speech_lang, voice_type=state.voice_type, interrupt=interrupt
    )
    return replace(state, speech_seq=seq), speak


def _answered(state: CallState, event: CallAnswered) -> Decision:
    commands: list[Command] = [StartRecording()] if event.record else []
    if event.stream:
        # Realtime voice: Telnyx sends the call's audio to our socket, which speaks the greeting.
        state = replace(state, mode=Mode.STREAM, greeting=event.greeting)
        commands.append(StartStream())
        if event.telnyx_transcribes:
            commands.append(StartTranscription(state.speech_lang))
        return state, commands
    commands.append(StartTranscription(state.speech_lang))
    state, speak = _speak(state, event.greeting)
    commands.append(speak)
    if event.wants_transfer:
        state = replace(state, after_speech=AfterSpeech(Then.ESCALATE))
    return state, commands


def _caller_said(state: CallState, event: CallerSaid) -> Decision:
    if state.mode is Mode.STREAM:
        # Realtime voice in a language our recogniser lacks: the words go to the call's socket.
        return state, [RelayToStream(event.text)] if event.final and event.text else []
    if state.mode is not Mode.AI:
        return state, [Ignore("Transcription after the assistant's part of the call ended.")]
    state = replace(state, activity=state.activity + 1)
    if not event.final or not event.text:
        return state, []
    last = state.last_heard
    if (
        last is not None
        and last.text == event.text
        and last.at
        and abs(event.at - last.at) <= DUPLICATE_WINDOW
    ):
        return state, [Ignore("The same sentence delivered twice.")]
    state = replace(state, last_heard=Heard(event.text, event.at), silences=0)
    return state, [AskAssistant(event.text)]


def _speech_ended(state: CallState, event: SpeechEnded) -> Decision:
    seq = state.speech_seq if event.seq is None else event.seq
    state = replace(
        state,
        playing=tuple(s for s in state.playing if s != seq),
        played=(*state.played[-(PLAYED_KEPT - 1) :], seq),
    )
    if seq != state.speech_seq:
        return state, []  # an older sentence: what comes next waits for the last one
    # What we said last has been heard (or cut): time for what comes next.
    after, state = state.after_speech, replace(state, after_speech=None)
    if after is not None:
        return _carry_out(state, after, event.escalation)
    if state.mode is Mode.AI:
        return state, [ArmSilenceTimer(state.silence_token)]
    return state, []


def _carry_out(state: CallState, after: AfterSpeech, escalation: Escalation | None) -> Decision:
    """What was promised once the caller had heard us: the text loop and the stream share it."""
    if after.then is Then.HANGUP:
        return state, [Hangup()]
    if after.then is Then.TRANSFER:
        return _transfer(state, after.step)
    state, handed = _hand_to_human(state)
    state, escalate = _escalate(state, escalation)
    return state, handed + escalate


def _hand_to_human(state: CallState) -> Decision:
    """The assistant stops listening: its transcription or its stream ends."""
    if state.mode is Mode.AI:
        return replace(state, mode=Mode.HUMAN), [StopTranscription()]
    if state.mode is Mode.STREAM:
        return replace(state, mode=Mode.HUMAN), [StopStream()]
    return state, []


def _escalate(state: CallState, escalation: Escalation | None, *, interrupt: bool = False) -> Decision:
    """Start (or restart) the chain at its first step."""
    escalation = escalation or Escalation(steps=())
    state = replace(state, chain=Chain(steps=escalation.steps, index=0))
    if not escalation.steps:
        return _promise_callback(state, escalation.callback_phone, interrupt=interrupt)
    label = escalation.steps[0].label
    state, speak = _speak(state, say("connecting", state.speech_lang, label=label), interrupt=interrupt)
    return replace(state, after_speech=AfterSpeech(Then.TRANSFER, 0)), [speak]


def _transfer(state: CallState, index: int) -> Decision:
    assert state.chain is not None  # set with the "transfer" promise
    step = state.chain.steps[index]
    state = replace(state, chain=replace(state.chain, index=index), transfer=Leg(step=index))
    return state, [Transfer(step=index, to=step.phone, timeout_secs=int(step.timeout_secs))]


def _next_step(state: CallState, failed: int, callback_phone: str) -> Decision:
    chain = state.chain
    if chain is None or failed != chain.index or state.bridged:
        return state, []  # an older leg's hang-up, or the caller is already talking to someone
    following = failed + 1
    if following < len(chain.steps):
        text = say(
            "next_step",
            state.speech_lang,
            previous=chain.steps[failed].label,
            label=chain.steps[following].label,
        )
        state, speak = _speak(state, text)
        state = replace(
            state,
            after_speech=AfterSpeech(Then.TRANSFER, following),
            chain=replace(chain, index=following),
        )
        return state, [speak]
    return _promise_callback(state, callback_phone)


def _promise_callback(state: CallState, phone: str, *, interrupt: bool = False) -> Decision:
    lang = state.speech_lang
    text = say("callback", lang, phone=spell_phone(phone)) if phone else say("callback_no_phone", lang)
    state, speak = _speak(state, text, interrupt=interrupt)
    return replace(state, after_speech=AfterSpeech(Then.HANGUP)), [OpenCallbackTicket(), speak]


def spell_phone(phone: str) -> str:
    """A number read in pairs of digits, French style (+33 6… → 06 …)."""
    digits = phone.replace("+33", "0") if phone.startswith("+33") else phone
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _stream_lost(state: CallState, event: StreamLost) -> Decision:
    """The media stream failed: the call goes on with the text loop, same conversation."""
    if state.mode is not Mode.STREAM:
        return state, [Ignore("Stream lost on a call that is no longer streamed.")]
    state = replace(state, mode=Mode.AI, stream_lost=event.reason[:200])
    commands: list[Command] = []
    if event.stop_stream:
        commands.append(StopStream())
    if event.transcribe:
        commands.append(StartTranscription(state.speech_lang))
    text = state.greeting if not event.greeted else say("stream_lost", state.speech_lang)
    state, speak = _speak(state, text)
    return state, [*commands, speak]
