"""The call-control rule on its own: typed state in, state and commands out, event by event. No
database, no Telnyx: what the adapter would send is read off the commands."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from telephony import callstate as cs
from telephony.callstate import AfterSpeech, CallState, Chain, Leg, Mode, Step, Then, decide

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STEPS = (Step("Marco", "+33611111111", 20), Step("the kitchen", "+33622222222", 15))
CHAIN = cs.Escalation(steps=STEPS, callback_phone="+33612345678")


def ai_call(**changes: object) -> CallState:
    return replace(CallState(lang="fr", voice_type="female", mode=Mode.AI), **changes)


def kinds(commands: list[cs.Command]) -> list[str]:
    return [type(c).__name__ for c in commands]


# --- storage ----------------------------------------------------------------------------------------
def test_round_trip_keeps_every_field() -> None:
    state = ai_call(
        reason="busy",
        pretend_now=AT,
        greeting="Bonjour",
        speech_seq=4,
        playing=(4,),
        played=(1, 2, 3),
        after_speech=AfterSpeech(Then.TRANSFER, 1),
        chain=Chain(STEPS, 1),
        transfer=Leg(step=0, answered=True),
        bridged=True,
        activity=7,
        silences=1,
        last_heard=cs.Heard("une pizza", AT),
        recording_failed="HTTPError",
    )
    stored = state.to_json()
    assert stored["version"] == cs.VERSION
    assert CallState.from_json(stored) == state


def test_reads_the_unversioned_dict_of_a_call_in_flight() -> None:
    old = {
        "lang": "en",
        "voice_type": "male",
        "mode": "human",
        "speech_seq": 3,
        "playing": [3],
        "played": [1, 2],
        "after_speech": "transfer:1",
        "escalation": {"steps": [s.__dict__ for s in STEPS], "index": 1},
        "transfer": {"index": 0, "answered": False},
        "activity": 2,
        "silences": 1,
        "last_final": {"text": "hello", "at": AT.isoformat()},
        "pretend_now": AT.isoformat(),
    }
    state = CallState.from_json(old)
    assert state.after_speech == AfterSpeech(Then.TRANSFER, 1)
    assert state.chain == Chain(STEPS, 1) and state.transfer == Leg(step=0)
    assert (state.mode, state.lang, state.voice_type, state.speech_seq) == (Mode.HUMAN, "en", "male", 3)
    assert state.last_heard == cs.Heard("hello", AT) and state.pretend_now == AT
    # …and the call goes on where it was: the last sentence heard, the next person is dialled.
    state, commands = decide(state, cs.SpeechEnded(seq=3))
    assert commands == [cs.Transfer(step=1, to="+33622222222", timeout_secs=15)]


@pytest.mark.parametrize(
    ("old", "then"),
    [("hangup", AfterSpeech(Then.HANGUP)), ("escalate", AfterSpeech(Then.ESCALATE)), (None, None)],
)
def test_old_after_speech_words(old: str | None, then: AfterSpeech | None) -> None:
    assert CallState.from_json({"after_speech": old}).after_speech == then


def test_keys_of_other_writers_survive() -> None:
    state = CallState.from_json({"mode": "ai", "someone_elses": 1})
    assert state.to_json()["someone_elses"] == 1
    assert CallState.from_json(None) == CallState()


# --- arrival and answer ----------------------------------------------------------------------------
def test_arrival_answers_and_sets_the_mode() -> None:
    state, commands = decide(CallState(lang="fr"), cs.CallArrived())
    assert state.mode is Mode.AI and commands == [cs.Answer()]
    state, commands = decide(CallState(lang="fr"), cs.CallArrived(refusal="busy"))
    assert (state.mode, state.reason) == (Mode.REFUSED, "busy") and commands == [cs.Answer()]


def test_answer_records_transcribes_then_greets() -> None:
    state, commands = decide(ai_call(), cs.CallAnswered(greeting="Bonjour", record=True))
    assert kinds(commands) == ["StartRecording", "StartTranscription", "Speak"]
    assert commands[2] == cs.Speak("Bonjour", seq=1, lang="fr", voice_type="female")
    assert state.speech_seq == 1 and state.after_speech is None


def test_a_greeting_that_hands_over_escalates_after_it_is_heard() -> None:
    state, _ = decide(ai_call(), cs.CallAnswered(greeting="En pause", wants_transfer=True))
    assert state.after_speech == AfterSpeech(Then.ESCALATE)


def test_a_streamed_answer_leaves_the_greeting_to_the_socket() -> None:
    state, commands = decide(
        ai_call(), cs.CallAnswered(greeting="Bonjour", stream=True, telnyx_transcribes=False)
    )
    assert state.mode is Mode.STREAM and state.greeting == "Bonjour"
    assert commands == [cs.StartStream()]
    _, commands = decide(ai_call(), cs.CallAnswered(greeting="Hi", stream=True, telnyx_transcribes=True))
    assert commands == [cs.StartStream(), cs.StartTranscription("fr")]


def test_refused_call_says_why_then_hangs_up_or_transfers() -> None:
    refused = CallState(lang="en", mode=Mode.REFUSED, reason="number_inactive")
    assert not cs.needs_escalation(refused, cs.RefusedCallAnswered())
    state, commands = decide(refused, cs.RefusedCallAnswered())
    assert "temporarily unavailable" in commands[0].text and state.after_speech == AfterSpeech(Then.HANGUP)
    busy = replace(refused, reason="busy")
    assert cs.needs_escalation(busy, cs.RefusedCallAnswered())
    state, commands = decide(busy, cs.RefusedCallAnswered(escalation=CHAIN))
    assert "put you through" in commands[0].text and state.after_speech == AfterSpeech(Then.ESCALATE)
    state, commands = decide(busy, cs.RefusedCallAnswered(escalation=cs.Escalation(steps=())))
    assert "all our lines are busy" in commands[0].text and state.after_speech == AfterSpeech(Then.HANGUP)


# --- the caller speaks -------------------------------------------------------------------------------
def test_final_words_go_to_the_assistant_and_its_reply_is_said() -> None:
    state, commands = decide(ai_call(silences=1), cs.CallerSaid("une pizza", final=True, at=AT))
    assert commands == [cs.AskAssistant("une pizza")]
    assert state.activity == 1 and state.silences == 0 and state.last_heard == cs.Heard("une pizza", AT)
    state, commands = decide(state, cs.AssistantReplied("Laquelle ?"))
    assert commands == [cs.Speak("Laquelle ?", seq=1, lang="fr", voice_type="female")]


def test_interim_words_only_count_as_activity() -> None:
    state, commands = decide(ai_call(), cs.CallerSaid("une", final=False, at=AT))
    assert state.activity == 1 and commands == []


def test_the_same_sentence_twice_is_ignored() -> None:
    state = ai_call(last_heard=cs.Heard("oui", AT))
    state, commands = decide(state, cs.CallerSaid("oui", final=True, at=AT + timedelta(seconds=2)))
    assert kinds(commands) == ["Ignore"] and state.activity == 1
    _, commands = decide(
        ai_call(last_heard=cs.Heard("oui", AT)), cs.CallerSaid("oui", True, AT + timedelta(seconds=9))
    )
    assert commands == [cs.AskAssistant("oui")]


def test_words_of_a_streamed_call_are_relayed() -> None:
    state = ai_call(mode=Mode.STREAM)
    assert decide(state, cs.CallerSaid("hello", final=True, at=AT)) == (state, [cs.RelayToStream("hello")])
    assert decide(state, cs.CallerSaid("hel", final=False, at=AT)) == (state, [])
    assert kinds(decide(ai_call(mode=Mode.HUMAN), cs.CallerSaid("x", True, AT))[1]) == ["Ignore"]


def test_reply_over_our_own_speech_interrupts_it() -> None:
    _, commands = decide(ai_call(playing=(1,), speech_seq=1), cs.AssistantReplied("Oui"))
    assert commands[0].interrupt and commands[0].seq == 2


def test_reply_actions_escalate_over_hang_up() -> None:
    state, _ = decide(ai_call(), cs.AssistantReplied("Au revoir", hangup=True))
    assert state.after_speech == AfterSpeech(Then.HANGUP)
    state, _ = decide(ai_call(), cs.AssistantReplied("Je transfère", transfer=True, hangup=True))
    assert state.after_speech == AfterSpeech(Then.ESCALATE)
    state, _ = decide(
        ai_call(after_speech=AfterSpeech(Then.ESCALATE)), cs.AssistantReplied("Bye", hangup=True)
    )
    assert state.after_speech == AfterSpeech(Then.ESCALATE)


def test_lost_session_asks_again() -> None:
    _, commands = decide(ai_call(), cs.SessionLost())
    assert "répéter" in commands[0].text


# --- our speech --------------------------------------------------------------------------------------
def test_speech_started_and_ended_follow_the_sentences() -> None:
    state, _ = decide(ai_call(speech_seq=2), cs.SpeechStarted(seq=2))
    assert state.playing == (2,) and state.speaking
    state, commands = decide(state, cs.SpeechEnded(seq=2))
    assert state.playing == () and state.played == (2,)
    assert commands == [cs.ArmSilenceTimer("0.2")]


def test_a_late_speech_started_after_its_end_is_ignored() -> None:
    state, _ = decide(ai_call(speech_seq=2, played=(2,)), cs.SpeechStarted(seq=2))
    assert state.playing == ()


def test_an_older_sentence_ending_waits_for_the_last() -> None:
    state = ai_call(speech_seq=3, after_speech=AfterSpeech(Then.HANGUP))
    state, commands = decide(state, cs.SpeechEnded(seq=2))
    assert commands == [] and state.after_speech == AfterSpeech(Then.HANGUP)
    state, commands = decide(state, cs.SpeechEnded(seq=None))
    assert commands == [cs.Hangup()] and state.after_speech is None


def test_escalation_after_speech_stops_the_assistant_and_says_who() -> None:
    state = ai_call(speech_seq=1, after_speech=AfterSpeech(Then.ESCALATE))
    ended = cs.SpeechEnded(seq=1)
    assert cs.needs_escalation(state, ended)
    state, commands = decide(state, replace(ended, escalation=CHAIN))
    assert kinds(commands) == ["StopTranscription", "Speak"] and "Marco" in commands[1].text
    assert state.mode is Mode.HUMAN and state.chain == Chain(STEPS, 0)
    assert state.after_speech == AfterSpeech(Then.TRANSFER, 0)
    state, commands = decide(state, cs.SpeechEnded(seq=2))
    assert commands == [cs.Transfer(step=0, to="+33611111111", timeout_secs=20)]
    assert state.transfer == Leg(step=0, answered=False)


def test_no_one_to_transfer_to_promises_a_callback() -> None:
    state = ai_call(speech_seq=1, after_speech=AfterSpeech(Then.ESCALATE))
    state, commands = decide(state, cs.SpeechEnded(1, escalation=cs.Escalation((), "+33612345678")))
    assert kinds(commands) == ["StopTranscription", "OpenCallbackTicket", "Speak"]
    assert "06 12 34 56 78" in commands[2].text and state.after_speech == AfterSpeech(Then.HANGUP)
    _, commands = decide(ai_call(), cs.KeyPressed("0", escalation=cs.Escalation(())))
    assert "rappeler un peu plus tard" in commands[-1].text


# --- keys, silence ---------------------------------------------------------------------------------
def test_zero_hands_the_call_to_a_human() -> None:
    state = ai_call(playing=(1,), speech_seq=1)
    assert cs.needs_escalation(state, cs.KeyPressed("0"))
    state, commands = decide(state, cs.KeyPressed("0", escalation=CHAIN))
    assert kinds(commands) == ["StopTranscription", "Speak"] and commands[1].interrupt
    assert state.mode is Mode.HUMAN and state.activity == 1
    assert not cs.needs_escalation(state, cs.KeyPressed("0"))
    assert decide(state, cs.KeyPressed("0"))[1] == []


def test_other_keys_count_as_activity() -> None:
    state, commands = decide(ai_call(), cs.KeyPressed("5"))
    assert state.activity == 1 and commands == []


def test_silence_reprompts_then_says_goodbye() -> None:
    state = ai_call(speech_seq=1)
    state, commands = decide(state, cs.SilenceTimerFired(token="0.1", reprompts=1))
    assert "toujours là" in commands[0].text and state.silences == 1
    state, commands = decide(state, cs.SilenceTimerFired(token=state.silence_token, reprompts=1))
    assert "Au revoir" in commands[0].text and state.after_speech == AfterSpeech(Then.HANGUP)


def test_a_stale_silence_timer_is_ignored() -> None:
    assert kinds(decide(ai_call(activity=1), cs.SilenceTimerFired("0.0", 1))[1]) == ["Ignore"]
    assert kinds(decide(ai_call(playing=(1,)), cs.SilenceTimerFired("0.0", 1))[1]) == ["Ignore"]
    assert kinds(decide(ai_call(mode=Mode.HUMAN), cs.SilenceTimerFired("0.0", 1))[1]) == ["Ignore"]


# --- the streamed voice ----------------------------------------------------------------------------
def test_stream_hangup_and_transfer_are_the_text_loops_decisions() -> None:
    streamed = ai_call(mode=Mode.STREAM)
    assert decide(streamed, cs.StreamAction("hangup")) == (streamed, [cs.Hangup()])
    assert cs.needs_escalation(streamed, cs.StreamAction("transfer"))
    state, commands = decide(streamed, cs.StreamAction("transfer", escalation=CHAIN))
    assert kinds(commands) == ["StopStream", "Speak"] and state.mode is Mode.HUMAN
    assert state.after_speech == AfterSpeech(Then.TRANSFER, 0)
    assert kinds(decide(streamed, cs.StreamAction("dance"))[1]) == ["Ignore"]
    assert kinds(decide(ai_call(), cs.StreamAction("hangup"))[1]) == ["Ignore"]


def test_a_lost_stream_goes_on_with_the_text_loop() -> None:
    streamed = ai_call(mode=Mode.STREAM, greeting="Bonjour")
    lost = cs.StreamLost(reason="socket closed", stop_stream=True, greeted=True, transcribe=True)
    state, commands = decide(streamed, lost)
    assert kinds(commands) == ["StopStream", "StartTranscription", "Speak"]
    assert "la ligne a sauté" in commands[-1].text
    assert state.mode is Mode.AI and state.stream_lost == "socket closed"
    never = cs.StreamLost(reason="", stop_stream=False, greeted=False, transcribe=False)
    _, commands = decide(streamed, never)
    assert commands == [cs.Speak("Bonjour", seq=1, lang="fr", voice_type="female")]
    assert kinds(decide(ai_call(), lost)[1]) == ["Ignore"]


# --- transfer legs and the end ------------------------------------------------------------------------
def test_a_failed_transfer_tries_the_next_person_then_promises_a_callback() -> None:
    state = ai_call(mode=Mode.HUMAN, chain=Chain(STEPS, 0), transfer=Leg(0))
    state, commands = decide(state, cs.TransferLegEnded(step=0, cause="no_answer"))
    assert "Marco n'est pas disponible" in commands[0].text
    assert state.after_speech == AfterSpeech(Then.TRANSFER, 1) and state.chain.index == 1
    state, commands = decide(state, cs.TransferLegEnded(step=1, cause="user_busy", callback_phone=""))
    assert kinds(commands) == ["OpenCallbackTicket", "Speak"]


def test_transfer_leg_endings_that_change_nothing() -> None:
    state = ai_call(mode=Mode.HUMAN, chain=Chain(STEPS, 1))
    assert decide(state, cs.TransferLegEnded(step=0, cause="no_answer")) == (state, [])  # older leg
    assert decide(state, cs.TransferLegEnded(step=1, cause="normal_clearing")) == (state, [])
    bridged = replace(state, bridged=True)
    assert decide(bridged, cs.TransferLegEnded(step=1, cause="timeout")) == (bridged, [])
    assert decide(ai_call(), cs.TransferLegEnded(step=-1, cause="timeout"))[1] == []


def test_answered_leg_bridge_and_hangup() -> None:
    state, _ = decide(ai_call(transfer=Leg(0)), cs.TransferLegAnswered())
    assert state.transfer == Leg(0, answered=True)
    state, _ = decide(state, cs.Bridged())
    assert state.bridged
    state, _ = decide(replace(state, playing=(3,)), cs.HungUp())
    assert state.playing == ()


def test_english_and_unknown_languages() -> None:
    _, commands = decide(ai_call(lang="en"), cs.SessionLost())
    assert commands[0].lang == "en" and "say that again" in commands[0].text
    _, commands = decide(ai_call(lang="de"), cs.SessionLost())
    assert commands[0].lang == "fr"


def test_spell_phone() -> None:
    assert cs.spell_phone("+33612345678") == "06 12 34 56 78"
