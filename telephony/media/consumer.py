"""Telnyx media streams: the socket Telnyx opens to carry a call's audio.

This consumer translates and nothing more: Telnyx's frames become pipeline frames (caller audio
reordered and in PCMU, key presses, mark echoes, the end) and the pipeline's output goes back as
Telnyx frames (media, clear, mark). What it needs from the database is read once before any
audio flows and saved through telephony/media/streamed_call.py: this module is the only one
that speaks (through telephony.media) the wire format of Telnyx media streams.

A connection is refused at the handshake unless `x-telnyx-streaming-auth-token` carries the
token made for this call at `streaming_start` (signed, bound to the call, minutes old at most).
A malformed frame is counted and skipped: one bad frame never ends a call. If the socket drops
before Telnyx says `stop`, or the pipeline gives up (the Realtime API is gone twice), the call is
handed back to the call-control loop, which goes on with Telnyx transcription and speech.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ai.voice import frames as vf
from ai.voice.build import VoiceSetup, build
from ai.voice.pipeline import Outgoing, Pipeline, VoiceCall
from telephony import media
from telephony.media import relay as voice_relay
from telephony.media.streamed_call import (
    STREAM_ACTION_EVENT,
    STREAM_LOST_EVENT,
    hand_back,
    save_figures,
    setup_for,
)

log = logging.getLogger(__name__)

TOKEN_HEADER = b"x-telnyx-streaming-auth-token"
PCMU = media.CODECS["PCMU"]


def _to_pcmu(payload: bytes, encoding: str, sample_rate: int) -> bytes:
    """Caller audio in our pipeline's format, whichever codec of the table Telnyx sends."""
    codec = media.CODECS[encoding]
    if codec is PCMU:
        return payload
    samples = codec.decode(payload)
    if sample_rate != PCMU.sample_rate:
        step = sample_rate // PCMU.sample_rate  # 16 kHz L16 → every other sample
        samples = np.asarray(samples[:: max(1, step)])
    return PCMU.encode(samples)


class TelnyxMediaConsumer(AsyncWebsocketConsumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call_control_id = ""
        self.setup: VoiceSetup | None = None
        self.voice: VoiceCall | None = None
        self.pipeline: Pipeline | None = None
        self.reorderer = media.Reorderer(window=5)
        self.encoding = "PCMU"
        self.sample_rate = 8000
        self.finished = False
        self.handed_back = False
        self.loop: asyncio.AbstractEventLoop | None = None

    async def connect(self) -> None:
        headers = dict(self.scope.get("headers") or [])
        token = headers.get(TOKEN_HEADER, b"").decode("latin-1")
        wanted = (parse_qs(self.scope.get("query_string", b"").decode()).get("call") or [""])[0]
        call_control_id = media.stream_call(token)
        if call_control_id is None or call_control_id != wanted:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        setup = await database_sync_to_async(setup_for)(call_control_id)
        if setup is None:
            await self.close()
            return
        self.call_control_id, self.setup = call_control_id, setup
        self.voice = VoiceCall(
            call_pk=setup.call_pk,
            session_key=setup.session_key,
            store_id=setup.store_id,
            lang=setup.lang,
            send=self._send_out,
            pipeline=setup.pipeline,
            voice_type=setup.voice_type,
            on_action=self._action,
            on_fallback=self._fallback,
        )
        self.pipeline = build(self.voice, setup)
        await self.accept()
        self.pipeline.start()
        # Words from Telnyx's transcription (languages without a local recogniser) come this way.
        if voice_relay.in_process():
            self.loop = asyncio.get_running_loop()
            voice_relay.register(setup.call_pk, self.loop, self._wake_words)
        else:
            await self.channel_layer.group_add(voice_relay.group(setup.call_pk), self.channel_name)

    def _wake_words(self, text: str) -> None:
        self.loop.create_task(self._words(text))

    async def voice_transcript(self, event: dict[str, Any]) -> None:
        await self._words(str(event.get("text", "")))

    async def _words(self, text: str) -> None:
        if self.pipeline is not None and not self.finished and text:
            await self.pipeline.transcript(text, "telnyx")

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections (a thread hop) before every message; fifty
        # audio frames a second per call touch no database, so they skip it. What does reach
        # the database goes through database_sync_to_async, which closes its connections itself.
        if message.get("type") == "websocket.receive":
            await self.websocket_receive(message)
            return
        await super().dispatch(message)

    async def _send_out(self, out: Outgoing) -> None:
        await self.send(text_data=media.outgoing_message(out))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.pipeline is None or self.voice is None or self.finished:
            return
        frame = media.parse_frame(text_data if text_data is not None else bytes_data or b"")
        if frame is None:
            self.voice.count("malformed_frames")
            return
        if isinstance(frame, media.Media):
            await self._media(frame)
        elif isinstance(frame, media.Mark):
            await self.pipeline.output.put(vf.Played(name=frame.name))
        elif isinstance(frame, media.Start):
            await self._start(frame)
        elif isinstance(frame, media.Dtmf):
            await self.pipeline.put(vf.Dtmf(digit=frame.digit))
        elif isinstance(frame, media.Stop):
            await self._finish("stop")
        elif isinstance(frame, media.StreamError):
            log.warning("Telnyx media stream error on %s: %s", self.call_control_id, frame.detail)

    async def _start(self, frame: media.Start) -> None:
        assert self.pipeline is not None and self.setup is not None and self.voice is not None
        if frame.encoding not in media.CODECS:
            self.voice.count("malformed_frames")
            return
        self.encoding, self.sample_rate = frame.encoding, frame.sample_rate
        if self.setup.greeting:
            await self.pipeline.say(self.setup.greeting)

    async def _media(self, frame: media.Media) -> None:
        assert self.pipeline is not None and self.voice is not None
        if frame.track != "inbound":
            return
        dropped, skipped = self.reorderer.dropped, self.reorderer.skipped
        ready = self.reorderer.push(frame)
        if len(ready) > 1:
            self.voice.count("reordered_chunks", len(ready) - 1)
        self.voice.count("dropped_chunks", self.reorderer.dropped - dropped)
        self.voice.count("skipped_chunks", self.reorderer.skipped - skipped)
        for chunk in ready:
            audio = _to_pcmu(chunk.payload, self.encoding, self.sample_rate)
            await self.pipeline.put(vf.AudioIn(ulaw=audio))

    async def _action(self, action: dict[str, Any]) -> None:
        """The agent asked for a transfer or a hang-up and its words have been heard."""
        assert self.setup is not None
        await database_sync_to_async(hand_back, thread_sensitive=False)(
            self.setup, self.call_control_id, STREAM_ACTION_EVENT, action=action
        )

    async def _fallback(self, reason: str) -> None:
        """The pipeline cannot go on (the Realtime API is gone): the text loop takes the call."""
        await self._finish("fallback", hand_back_reason=reason)

    async def disconnect(self, code: int) -> None:
        await self._finish("dropped", hand_back_reason=f"media socket closed ({code}) before stop")

    async def _finish(self, reason: str, *, hand_back_reason: str = "") -> None:
        if self.finished or self.pipeline is None or self.setup is None or self.voice is None:
            return
        self.finished = True
        if voice_relay.in_process():
            voice_relay.unregister(self.setup.call_pk, self.loop, self._wake_words)
        else:
            await self.channel_layer.group_discard(voice_relay.group(self.setup.call_pk), self.channel_name)
        await self.pipeline.end(reason)
        await database_sync_to_async(save_figures, thread_sensitive=False)(self.voice, self.setup, final=True)
        if hand_back_reason and not self.handed_back:
            self.handed_back = True
            await database_sync_to_async(hand_back, thread_sensitive=False)(
                self.setup, self.call_control_id, STREAM_LOST_EVENT, reason=hand_back_reason, stage=reason
            )
