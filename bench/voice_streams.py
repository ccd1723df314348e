"""How many media streams one ASGI process holds at 50 frames/s each, with outbound pacing
jitter under 10 ms (p99).

The app runs in its own process (uvicorn, one worker, the local voice pipeline: every inbound
frame decoded and through the voice detector, every outbound frame paced by the output stage).
This process plays Telnyx for N calls at once with lean asyncio clients: 50 μ-law frames a second
each way per call, the app speaking a long greeting back. Two figures: our pacing jitter, measured
in the app (how late each frame left against its 20 ms tick: the goal, p99 < 10 ms), and what
Telnyx's side saw (the gap between two frames received minus 20 ms; this client shares the
machine's cores with the app, so its own delays are in it). N steps up until the goal is missed.

    .venv/bin/python bench/voice_streams.py            # the steps below
    .venv/bin/python bench/voice_streams.py 50 100     # chosen steps
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, print_table, setup_django, write_json  # noqa: E402

STEPS = [25, 50, 100, 150, 200, 250, 300]
HOLD_SECONDS = 8.0
WARMUP_SECONDS = 2.0  # per stream: connect, greeting synthesised, pacing settled
JITTER_GOAL_MS = 10.0
GREETING = (
    "Bonjour et bienvenue à la Pizzeria Bella Napoli. Ce soir nous avons une burrata fraîche, "
    "une nouvelle pizza au salami piquant et un tiramisu fait ce matin. Nos pizzas sont cuites "
    "au feu de bois, la pâte repose quarante-huit heures. Que puis-je faire pour vous ?"
)
SILENCE = base64.b64encode(b"\xff" * 160).decode()


# --- the app's process -------------------------------------------------------------------------
def serve(port: int, calls: int, ready_file: str) -> None:
    os.environ["VOICE_MEDIA_STREAMS"] = "true"
    setup_django()
    import uvicorn
    from django.core.management import call_command

    from ai import agent
    from stores.models import Store
    from telephony.models import Call

    call_command("seed_demo", verbosity=0)
    store = Store.objects.get(slug="pizzeria-bella-napoli")  # French: no local STT, like Telnyx text
    Call.objects.filter(call_control_id__startswith="bench-stream-").delete()
    for n in range(calls):
        call = Call.objects.create(
            business=store.business,
            store=store,
            call_control_id=f"bench-stream-{n}",
            from_number=f"+336{n:08d}",
            to_number="+33100000001",
            status=Call.Status.ANSWERED,
        )
        session, _ = agent.begin(store, channel="phone", caller_phone=call.from_number, sandbox=True)
        call.session_key = session.id
        call.conversation_id = session.db_id
        call.control = {"mode": "stream", "greeting": GREETING}
        call.save(update_fields=["session_key", "conversation", "control"])
    from ai.voice.output import OutputStage
    from kalliky.asgi import application

    # Our own pacing, measured in the app: how late each frame left against the 20 ms clock.
    # Each step's streams add their figures when they close; the parent asks for them.
    lateness: list[float] = []
    close = OutputStage.close
    pending: list[asyncio.TimerHandle] = []

    def report() -> None:
        Path(ready_file + ".pacing").write_text(json.dumps(pacing(lateness)))
        lateness.clear()

    async def close_and_keep(self: OutputStage) -> None:
        # Like Telnyx's side, skip each stream's first seconds (calls connecting all at once).
        lateness.extend(self.lateness_ms[int(WARMUP_SECONDS * 50) :])
        await close(self)
        for handle in pending:  # written once the step's last stream has closed
            handle.cancel()
        pending[:] = [asyncio.get_running_loop().call_later(1.0, report)]

    OutputStage.close = close_and_keep  # type: ignore[method-assign]
    Path(ready_file).write_text("ready")
    run = lambda: uvicorn.run(  # noqa: E731
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws_max_queue=64
    )
    if os.environ.get("BENCH_PROFILE"):  # where the app's time goes, for whoever tunes it
        import cProfile

        cProfile.runctx("run()", globals(), {"run": run}, os.environ["BENCH_PROFILE"])
    else:
        run()


def pacing(lateness: list[float]) -> dict[str, float]:
    ordered = sorted(lateness)
    at = lambda q: round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 2) if ordered else 0.0  # noqa: E731
    return {"frames": len(ordered), "p50": at(0.5), "p99": at(0.99)}


# --- Telnyx's side ------------------------------------------------------------------------------
async def one_stream(port: int, n: int, token: str, until: float, gaps: list[float], lost: list[int]) -> None:
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/telnyx/media/?call=bench-stream-{n}"
    async with websockets.connect(
        url, additional_headers={"x-telnyx-streaming-auth-token": token}, compression=None, max_size=None
    ) as ws:
        await ws.send(json.dumps({"event": "connected", "version": "1.0.0"}))
        start = {
            "event": "start",
            "sequence_number": "1",
            "stream_id": f"s{n}",
            "start": {
                "call_control_id": f"bench-stream-{n}",
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            },
        }
        await ws.send(json.dumps(start))
        opened = time.monotonic()

        async def send() -> None:
            chunk, t0 = 0, time.monotonic()
            while time.monotonic() < until:
                chunk += 1
                frame = {
                    "event": "media",
                    "sequence_number": str(chunk + 1),
                    "stream_id": f"s{n}",
                    "media": {
                        "track": "inbound",
                        "chunk": str(chunk),
                        "timestamp": str(chunk * 20),
                        "payload": SILENCE,
                    },
                }
                await ws.send(json.dumps(frame))
                await asyncio.sleep(max(0.0, t0 + chunk * 0.02 - time.monotonic()))

        async def receive() -> None:
            last = None
            frames = 0
            try:
                while True:
                    message = await asyncio.wait_for(ws.recv(), timeout=max(0.1, until - time.monotonic()))
                    now = time.monotonic()
                    if now > until:
                        break
                    if '"media"' not in message:
                        continue
                    frames += 1
                    if last is not None and now - opened > WARMUP_SECONDS:
                        gaps.append(abs((now - last) * 1000 - 20.0))
                    last = now
            except (TimeoutError, websockets.ConnectionClosed):
                pass
            expected = int((until - opened - WARMUP_SECONDS) * 50)
            lost.append(max(0, expected - frames))

        await asyncio.gather(send(), receive())
        await ws.send(json.dumps({"event": "stop", "stream_id": f"s{n}"}))


async def step(port: int, count: int, tokens: list[str]) -> dict[str, object]:
    gaps: list[float] = []
    lost: list[int] = []
    until = time.monotonic() + HOLD_SECONDS + WARMUP_SECONDS + 1.0
    tasks = []
    for n in range(count):  # connect over ~1 s, as calls would
        tasks.append(asyncio.create_task(one_stream(port, n, tokens[n], until, gaps, lost)))
        await asyncio.sleep(1.0 / count)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failed = sum(isinstance(r, Exception) for r in results)
    gaps.sort()
    p = lambda q: round(gaps[min(len(gaps) - 1, int(q * (len(gaps) - 1)))], 2) if gaps else None  # noqa: E731
    return {
        "streams": count,
        "failed": failed,
        "frames_measured": len(gaps),
        "jitter_p50_ms": p(0.5),
        "jitter_p99_ms": p(0.99),
        "frames_missing": sum(lost),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to tell whether the app or Telnyx's side ran out."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    steps = [int(a) for a in sys.argv[1:]] or STEPS
    setup_django()
    from telephony.media import stream_token

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ready = ROOT / "var" / "bench-voice-ready"
    ready.unlink(missing_ok=True)
    env = {**os.environ, "VOICE_MEDIA_STREAMS": "true", "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--serve", str(port), str(max(steps)), str(ready)], env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                print("the app did not start")
                return 1
            time.sleep(0.2)
        while True:  # the ready file is written just before uvicorn binds its port
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    print("the app did not open its port")
                    return 1
                time.sleep(0.2)
        rows = []
        for count in steps:
            tokens = [stream_token(f"bench-stream-{n}") for n in range(count)]
            app_cpu, own_cpu, wall = cpu_seconds(server.pid), time.process_time(), time.monotonic()
            pacing_file = Path(str(ready) + ".pacing")
            pacing_file.unlink(missing_ok=True)
            row = asyncio.run(step(port, count, tokens))
            wall = time.monotonic() - wall
            time.sleep(2.5)  # the app closes this step's streams and reports their pacing
            paced = json.loads(pacing_file.read_text()) if pacing_file.exists() else {}
            row["pacing_p50_ms"], row["pacing_p99_ms"] = paced.get("p50"), paced.get("p99")
            row["app_cpu_pct"] = round(100 * (cpu_seconds(server.pid) - app_cpu) / wall)
            row["client_cpu_pct"] = round(100 * (time.process_time() - own_cpu) / wall)
            row["within_goal"] = bool(
                row["failed"] == 0
                and row["pacing_p99_ms"] is not None
                and row["pacing_p99_ms"] < JITTER_GOAL_MS
                and row["frames_missing"] <= count * 5
            )
            rows.append(row)
            print(row, flush=True)
            if not row["within_goal"] and count >= 200:
                break
        held = max((r["streams"] for r in rows if r["within_goal"]), default=0)
        print_table(
            f"Streams in one ASGI process, 50 frames/s each way (goal: p99 jitter < {JITTER_GOAL_MS} ms)",
            rows,
        )
        print(f"\nstreams held within the goal: {held} (cores on this machine: {os.cpu_count()})")
        path = write_json("voice_streams", {"steps": rows, "held": held, "cpus": os.cpu_count()})
        print(f"written to {path}")
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn's graceful stop (and the profile, if any, is written)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        sys.exit(0)
    sys.exit(main())
