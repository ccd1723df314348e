"""The Telnyx webhook door under load: 20,000 signed `call.hangup` webhooks (18,000 events + 2,000
resends of the same event id) over 50 keep-alive connections against uvicorn on PostgreSQL and
Redis, as in production: the web workers verify and store, the `telnyx_reactor` process reacts
(TELNYX_REACTIONS=reactor, decision 0012; niced to 10 by default, since on this 2-core box it
shares the CPU with the web workers, the load generator and PostgreSQL).

Measures the acknowledgement (throughput, p50/p99 latency from the first byte written to the last
byte of the answer), then waits for the background processing and checks that every effect
happened exactly once: one stored event per id, processed once, every call completed, one
customer exchange per call, the daily call counter at 18,000, every duplicate answered as such.

    .venv/bin/python bench/telnyx_ingest.py [--workers 2] [--unique 18000] [--duplicates 2000]

PostgreSQL (postgresql://postgres@127.0.0.1:5432, database kalliky_bench_ingest, dropped and
created) and Redis (db 15, flushed) are required by the contract; without them the bench falls
back to SQLite and local-memory caches and says so in the table title. Exit code 1 when an effect
check fails. Prints the tables and writes bench/results/telnyx_ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, print_table, setup_django, write_json  # noqa: E402

DB_NAME = "kalliky_bench_ingest"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SQLITE_PATH = ROOT / "var" / "bench_ingest.sqlite3"
HOST = "127.0.0.1"
PATH = "/api/telnyx/webhook"
GOAL_REQ_S = 1000.0
GOAL_P99_MS = 50.0
# The background processing is waited for while it makes progress: it fails the run when nothing
# is finalised for STALL_S seconds, or after MAX_WAIT_S in all.
STALL_S = 120.0
MAX_WAIT_S = 900.0
# Telnyx signatures are valid ±300 s: requests still unsent this long after signing are re-signed.
RESIGN_AFTER_S = 240.0
SEED = 20_000


# --- backends ---------------------------------------------------------------------------------------
@dataclass
class Backends:
    database_url: str
    redis_url: str
    fallback: str = ""  # why PostgreSQL/Redis are not used, empty when they are

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgres")


def fresh_postgres(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{admin_url}/{DB_NAME}"


def drop_postgres(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    finally:
        client.close()


def remove_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:120]


def prepare_backends(pg_url: str, redis_url: str) -> Backends:
    problems = []
    try:
        database_url = fresh_postgres(pg_url)
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        problems.append(f"PostgreSQL unreachable ({type(exc).__name__}: {first_line(exc)})")
        database_url = ""
    try:
        flush_redis(redis_url)
    except Exception as exc:  # noqa: BLE001
        problems.append(f"Redis unreachable ({type(exc).__name__}: {first_line(exc)})")
        redis_url = ""
    if problems:
        # The contract wants both; the fallback only keeps `make bench` from crashing.
        if database_url:  # PostgreSQL was there but Redis is not: do not leave the empty database
            drop_postgres(pg_url)
        remove_sqlite()
        return Backends(f"sqlite:///{SQLITE_PATH}", "", "; ".join(problems))
    return Backends(database_url, redis_url)


# --- seed -------------------------------------------------------------------------------------------
@dataclass
class Seeded:
    business_id: int
    prefix: str  # of the call control ids: v3:<prefix>-<n>
    day: Any  # date of the calls in the app's time zone (the stats counter's key)
    calls: list[tuple[str, str]]  # (call_control_id, call_session_id)


def seed_business(name: str, prefix: str, count: int, started: datetime) -> Seeded:
    from django.utils import timezone

    from accounts.models import Business, Membership, User
    from billing.models import Subscription
    from stores.models import Customer, Store
    from telephony.models import Call

    owner, _ = User.objects.get_or_create(email=f"{prefix}@bench.kalliky.local")
    business = Business.objects.create(owner=owner, name=name, type=Business.Type.RESTAURANT)
    Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    store = Store.objects.create(business=business, name=name, slug=prefix, phone="+33100000001")
    Subscription.objects.create(store=store, business=business, status=Subscription.Status.ACTIVE)
    customers = Customer.objects.bulk_create(
        [Customer(business=business, phone=f"+3361{n:07d}", name=f"Client {n}") for n in range(count)],
        batch_size=2000,
    )
    answered = started + timedelta(seconds=5)
    calls = [
        Call(
            business=business,
            store=store,
            customer=customer,
            call_control_id=f"v3:{prefix}-{n}",
            call_session_id=f"{prefix}-session-{n}",
            call_leg_id=f"{prefix}-leg-{n}",
            from_number=customer.phone,
            to_number="+33100000001",
            status=Call.Status.ANSWERED,
            started_at=started,
            answered_at=answered,
        )
        for n, customer in enumerate(customers)
    ]
    Call.objects.bulk_create(calls, batch_size=2000)
    return Seeded(
        business_id=business.pk,
        prefix=f"v3:{prefix}-",
        day=timezone.localdate(started),
        calls=[(c.call_control_id, c.call_session_id) for c in calls],
    )


# --- requests ---------------------------------------------------------------------------------------
def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hangup_bodies(
    calls: list[tuple[str, str]], duplicates: int, rng: random.Random, started: datetime
) -> tuple[list[bytes], list[str]]:
    """One `call.hangup` per call plus `duplicates` resends (same data.id, meta.attempt 2),
    shuffled. Returns the bodies and the event ids of the originals."""
    ended = started + timedelta(seconds=65)
    envelopes: list[dict[str, Any]] = []
    for n, (ccid, session) in enumerate(calls):
        envelopes.append(
            {
                "data": {
                    "event_type": "call.hangup",
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "occurred_at": iso(ended),
                    "payload": {
                        "call_control_id": ccid,
                        "call_leg_id": f"leg-{n}",
                        "call_session_id": session,
                        "calling_party_type": "pstn",
                        "client_state": None,
                        "connection_id": "2811212257810187875",
                        "start_time": iso(started),
                        "end_time": iso(ended),
                        "from": f"+3361{n:07d}",
                        "hangup_cause": "normal_clearing",
                        "hangup_source": "caller",
                        "sip_hangup_cause": "200",
                        "to": "+33100000001",
                    },
                    "record_type": "event",
                },
                "meta": {"attempt": 1, "delivered_to": f"http://{HOST}{PATH}"},
            }
        )
    resent = [
        {**envelope, "meta": {**envelope["meta"], "attempt": 2}}
        for envelope in rng.sample(envelopes, duplicates)
    ]
    ids = [e["data"]["id"] for e in envelopes]
    everything = envelopes + resent
    rng.shuffle(everything)
    return [json.dumps(e).encode() for e in everything], ids


def signed_request(body: bytes, key: Any, port: int, timestamp: int) -> bytes:
    """One raw HTTP/1.1 request, signed like Telnyx does (Ed25519 over `timestamp|body`)."""
    signature = base64.b64encode(key.sign(f"{timestamp}|".encode() + body).signature).decode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"telnyx-signature-ed25519: {signature}\r\ntelnyx-timestamp: {timestamp}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Batch:
    """Requests signed and encoded ahead of the load, so that the client only writes bytes."""

    bodies: list[bytes]
    key: Any
    port: int
    signed_at: int = 0
    raw: list[bytes] = field(default_factory=list)
    resigned: int = 0

    def sign(self) -> Batch:
        self.signed_at = int(time.time())
        self.raw = [signed_request(body, self.key, self.port, self.signed_at) for body in self.bodies]
        return self

    def __len__(self) -> int:
        return len(self.raw)

    def __iter__(self) -> Iterator[bytes]:
        for body, raw in zip(self.bodies, self.raw, strict=True):
            if time.time() - self.signed_at > RESIGN_AFTER_S:  # a very slow run: keep them valid
                self.resigned += 1
                raw = signed_request(body, self.key, self.port, int(time.time()))
            yield raw


# --- load -------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    wall_start: float = 0.0  # time.time() at the first request
    wall_end: float = 0.0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        raise ValueError("answer without Content-Length or chunked body")
    return status, body, headers.get("connection", "").lower() == "close"


async def fire(port: int, requests: Batch, concurrency: int) -> Outcome:
    """`concurrency` keep-alive connections, each sending its next request when the previous
    one is answered, all pulling from one shared iterator."""
    outcome = Outcome()
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for raw in pending:  # one event loop: the shared iterator needs no lock
                started = time.perf_counter()
                try:
                    writer.write(raw)
                    await writer.drain()
                    status, body, close = await read_response(reader)
                except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                    outcome.errors.append(f"{type(exc).__name__}: {exc}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                    continue
                outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
                outcome.statuses[status] += 1
                try:
                    answer = json.loads(body).get("status") or json.loads(body).get("code") or "?"
                except ValueError:
                    answer = "not json"
                outcome.answers[str(answer)] += 1
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
        finally:
            writer.close()

    outcome.wall_start = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    outcome.seconds = time.perf_counter() - started
    outcome.wall_end = time.time()
    return outcome


def run_load(port: int, requests: Batch, concurrency: int) -> Outcome:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(fire(port, requests, concurrency))
    return uvloop.run(fire(port, requests, concurrency))


def percentile(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 2) if ordered else 0.0


# --- server -----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "kalliky.asgi:application",
        "--host", HOST, "--port", str(port), "--lifespan", "off",
        "--log-level", "warning", "--no-access-log", "--workers", str(workers),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/openapi.json", timeout=2):  # noqa: S310
                return server
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("uvicorn never answered")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- processing and effects -------------------------------------------------------------------------
def wait_processed(prefix: str, expected: int) -> tuple[bool, float | None]:
    """Poll until the `expected` events of the calls named `prefix…` are stored and final
    (processed, ignored, dead), as long as they progress. Returns (done, the latest
    processed_at as a Unix time)."""
    from django.db.models import Count, Max, Q

    from kalliky.inbox import EventStatus
    from telephony.models import TelnyxEvent

    final = (EventStatus.PROCESSED, EventStatus.IGNORED, EventStatus.DEAD)
    started = progressed = time.monotonic()
    left = None
    while True:
        found = TelnyxEvent.objects.filter(call_control_id__startswith=prefix).aggregate(
            stored=Count("pk"), pending=Count("pk", filter=~Q(status__in=final)), latest=Max("processed_at")
        )
        done = found["stored"] == expected and found["pending"] == 0
        now = time.monotonic()
        if found["pending"] != left:
            left, progressed = found["pending"], now
        if done or now - progressed > STALL_S or now - started > MAX_WAIT_S:
            return done, found["latest"].timestamp() if found["latest"] else None
        time.sleep(0.25)


def effect_checks(
    seeded: Seeded, event_ids: set[str], outcome: Outcome, unique: int, duplicates: int, redis: bool
) -> list[dict[str, Any]]:
    from django.db.models import Count, Q

    from stores.models import CustomerExchange
    from telephony import stats
    from telephony.models import Call, TelnyxEvent

    rows = TelnyxEvent.objects.filter(call_control_id__startswith=seeded.prefix).values_list(
        "event_id", "status", "attempts"
    )
    events = [(s, a) for event_id, s, a in rows if event_id in event_ids]
    strangers = len(rows) - len(events)
    once = sum(s == "processed" and a == 1 for s, a in events)
    calls = Call.objects.filter(business_id=seeded.business_id).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=Call.Status.COMPLETED, ended_at__isnull=False))
    )
    lines = Call.objects.filter(business_id=seeded.business_id, exchange__isnull=False)
    exchanges = CustomerExchange.objects.filter(
        type=CustomerExchange.Type.CALL, pk__in=lines.values("exchange")
    ).aggregate(rows=Count("pk"), calls=Count("pk", distinct=True))
    checks: list[tuple[str, Any, Any]] = [
        ("200 answers", unique + duplicates, outcome.statuses[200]),
        ('"accepted" answers', unique, outcome.answers["accepted"]),
        ('"duplicate" answers', duplicates, outcome.answers["duplicate"]),
        ("transport errors", 0, len(outcome.errors)),
        ("stored events (unique ids)", unique, len(events)),
        ("stored events not sent", 0, strangers),
        ("processed once (processed, attempts 1)", unique, once),
        ("calls of the business", unique, calls["total"]),
        ("calls completed with ended_at", unique, calls["done"]),
        ("call exchanges (rows)", unique, exchanges["rows"]),
        ("call exchanges (distinct calls)", unique, exchanges["calls"]),
    ]
    if redis:
        daily = stats.daily(seeded.business_id, seeded.day)
        checks.append(("daily stats: calls (Redis)", unique, daily["calls"]))
        checks.append(("daily stats: answered (Redis)", unique, daily["answered"]))
    result = []
    for name, expected, got in checks:
        result.append(
            {"check": name, "expected": expected, "got": got, "ok": "pass" if got == expected else "FAIL"}
        )
    if not redis:
        result.append({"check": "daily stats (Redis)", "expected": unique, "got": "n/a", "ok": "skipped"})
    return result


# --- main -------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_INGEST_WORKERS", "2")))
    parser.add_argument("--unique", type=int, default=18_000)
    parser.add_argument("--duplicates", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=500, help="extra events first, not measured")
    parser.add_argument("--pg-url", default=PG_URL, help="server URL, without a database name")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument(
        "--debug",
        action="store_true",
        help="DEBUG=true instead of production settings (DEBUG=false, no HTTPS redirect)",
    )
    parser.add_argument(
        "--reactions",
        choices=("reactor", "threads"),
        default=None,
        help="where events are processed: the telnyx_reactor process (default on PostgreSQL) or "
        "threads inside the web workers (default on the SQLite fallback)",
    )
    parser.add_argument(
        "--reactor-nice", type=int, default=10, help="CPU niceness of the reactor process (0: same as web)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    backends = prepare_backends(args.pg_url, args.redis_url)
    if backends.fallback:
        print(f"!! {backends.fallback}: falling back to SQLite without Redis (NOT the contract)", flush=True)
    try:
        return run(args, backends)
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
            for conn in connections.all(initialized_only=True):
                if hasattr(conn, "close_pool"):
                    conn.close_pool()
        if not args.keep:
            if backends.postgres:
                drop_postgres(args.pg_url)
            else:
                remove_sqlite()
            if backends.redis_url:
                flush_redis(backends.redis_url)


def run(args: argparse.Namespace, backends: Backends) -> int:
    total = args.unique + args.duplicates
    from nacl.signing import SigningKey

    key = SigningKey.generate()
    debug = "true" if args.debug else "false"
    app_env = {
        "DATABASE_URL": backends.database_url,
        "REDIS_URL": backends.redis_url,
        "DEBUG": debug,
        "SECURE_SSL_REDIRECT": "false",
        "SECRET_KEY": "bench-" + base64.b64encode(os.urandom(33)).decode(),
        "LOG_LEVEL": "WARNING",
        "TELNYX_PUBLIC_KEY": base64.b64encode(bytes(key.verify_key)).decode(),
        "TELNYX_API_KEY": "KEYbench",
        "TELNYX_BASE_URL": "http://127.0.0.1:9/v2",  # a hang-up sends no command: never called
        "TELNYX_REACTIONS": args.reactions or ("reactor" if backends.postgres else "threads"),
    }
    os.environ.update(app_env)
    started_setup = time.perf_counter()
    setup_django()
    from django.conf import settings
    from django.utils import timezone

    call_started = timezone.now() - timedelta(minutes=10)
    rng = random.Random(SEED)
    seeded = seed_business("Bench ingest", "bench", args.unique, call_started)
    warm = seed_business("Bench ingest warm-up", "warmup", args.warmup, call_started)
    bodies, ids = hangup_bodies(seeded.calls, args.duplicates, rng, call_started)
    warm_bodies, warm_ids = hangup_bodies(warm.calls, 0, rng, call_started)
    seeded_calls = args.unique + args.warmup
    print(
        f"set-up (migrate, seed {seeded_calls} calls): {time.perf_counter() - started_setup:.1f} s",
        flush=True,
    )

    port = free_port()
    server = start_server(port, args.workers, {**os.environ, **app_env})
    reactor = None
    if app_env["TELNYX_REACTIONS"] == "reactor":
        reactor = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "telnyx_reactor", "--nice", str(args.reactor_nice)],
            cwd=ROOT,
            env={**os.environ, **app_env},
        )
    try:
        warm_outcome = run_load(port, Batch(warm_bodies, key, port).sign(), args.concurrency)
        warm_done, _ = wait_processed(warm.prefix, len(warm_ids))
        print(f"warm-up: {args.warmup} events acknowledged and processed", flush=True)
        requests = Batch(bodies, key, port).sign()
        outcome = run_load(port, requests, args.concurrency)
        print(f"load: {total} requests acknowledged in {outcome.seconds:.1f} s", flush=True)
        done, last_processed = wait_processed(seeded.prefix, args.unique)
    finally:
        stop_server(server)
        if reactor is not None:
            stop_server(reactor)

    checks = effect_checks(seeded, set(ids), outcome, args.unique, args.duplicates, bool(backends.redis_url))
    checks.insert(
        0,
        {
            "check": "warm-up: answered 200 and processed",
            "expected": args.warmup,
            "got": warm_outcome.statuses[200] if warm_done else f"{warm_outcome.statuses[200]}, unfinished",
            "ok": "pass" if warm_done and warm_outcome.statuses[200] == args.warmup else "FAIL",
        },
    )
    effects_ok = done and all(c["ok"] != "FAIL" for c in checks)
    ordered = sorted(outcome.latencies_ms)
    throughput = round(total / outcome.seconds, 1) if outcome.seconds else 0.0
    processed_s = round(last_processed - outcome.wall_start, 2) if last_processed else None
    row = {
        "requests": total,
        "unique": args.unique,
        "duplicates": args.duplicates,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "ack_s": round(outcome.seconds, 2),
        "throughput_req_s": throughput,
        "p50_ms": percentile(ordered, 0.50),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": percentile(ordered, 1.0),
        "errors": len(outcome.errors) + sum(n for s, n in outcome.statuses.items() if s != 200),
        "processed_s": processed_s if done else "unfinished",
        "processed_per_s": round(args.unique / processed_s, 1) if processed_s and done else None,
        "effects_ok": "yes" if effects_ok else "NO",
    }
    engine = "PostgreSQL" if backends.postgres else "SQLite"
    cache = "Redis" if backends.redis_url else "local-memory"
    title = (
        f"Telnyx webhook ingestion: uvicorn x{args.workers}, reactions: {app_env['TELNYX_REACTIONS']}"
        f"{f' (nice {args.reactor_nice})' if app_env['TELNYX_REACTIONS'] == 'reactor' else ''}, "
        f"{engine}, {cache}, "
        f"DEBUG={debug}, {os.cpu_count()} CPUs"
    )
    if backends.fallback:
        title = f"!! FALLBACK, NOT THE CONTRACT ({backends.fallback}) !! {title}"
    print_table(title, [row])
    goals = [
        {"goal": "throughput", "target": f">= {GOAL_REQ_S:.0f} req/s", "got": throughput,
         "met": "yes" if throughput >= GOAL_REQ_S else "NO"},
        {"goal": "p99 ack latency", "target": f"< {GOAL_P99_MS:.0f} ms", "got": row["p99_ms"],
         "met": "yes" if row["p99_ms"] < GOAL_P99_MS else "NO"},
        {"goal": "no effect lost or doubled", "target": "every check passes", "got": row["effects_ok"],
         "met": "yes" if effects_ok else "NO"},
    ]  # fmt: skip
    print_table("Goals", goals)
    print_table("Effects (each exactly once)", checks)
    if outcome.errors:
        print("first errors:", *sorted(set(outcome.errors))[:5], sep="\n  ")
    other = {s: n for s, n in outcome.statuses.items() if s != 200}
    if other:
        print("non-200 answers:", other, dict(outcome.answers))
    if requests.resigned:
        print(
            f"note: {requests.resigned} requests re-signed during the run "
            f"(first signed more than {RESIGN_AFTER_S:.0f} s earlier)"
        )

    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {})
    # The fallback never overwrites the contract's result.
    path = write_json(
        "telnyx_ingest" if not backends.fallback else "telnyx_ingest.fallback",
        {
            "result": row,
            "goals": goals,
            "effects": checks,
            "settings": {
                "database": engine,
                "cache": cache,
                "fallback": backends.fallback,
                "debug": debug,
                "reaction_workers": settings.TELNYX_REACTION_WORKERS,
                "reactions": app_env["TELNYX_REACTIONS"],
                "reactor_nice": args.reactor_nice,
                "db_pool_max": pool.get("max_size"),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "resigned_requests": requests.resigned,
            },
        },
    )
    print(f"\nwritten {path.relative_to(ROOT)}")
    return 0 if effects_ok else 1


if __name__ == "__main__":
    sys.exit(main())
