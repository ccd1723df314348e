"""Bookings: table reservations, service appointments and consultation requests, filled
field by field (party, service, problem, day, time, name, the owner's own fields) and
checked against the calendar before the read-back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz

from ai.brains import phrases as ph
from ai.brains.skills.common import ORDINALS, Dialogue, Heard, _describes_a_need, _office, _without_greeting
from ai.brains.state import Expect, Pending
from ai.matching import SERVICE_LEXICON
from ai.nlu import complaints, tone, topics
from ai.nlu.numbers import find_numbers
from ai.nlu.people import parse_name, parse_party_size
from ai.nlu.text import normalize
from ai.nlu.when import combine
from ai.tools import ToolContext, call_tool

NO_PREFERENCE = (
    "le plus tot possible",
    "des que possible",
    "au plus vite",
    "as soon as possible",
    "asap",
    "earliest",
    "peu importe",
    "pas de preference",
    "n importe",
    "no preference",
    "any time",
    "anytime",
    "whenever",
)

YES_NO_FIELDS = frozenset({"bool", "boolean", "yes_no", "yesno", "checkbox"})


class Bookings(Dialogue):
    def _service_in(self, tc: ToolContext, h: Heard):  # -> ServiceCtx | None
        if not tc.ctx.services:
            return None
        words = [SERVICE_LEXICON.get(w, w) for w in h.words]
        text = " ".join(words)
        best, best_score = None, 0.0
        for service in tc.ctx.services:
            name = normalize(service.name).replace("s ", " ")
            name_words = [w for w in name.split() if len(w) > 2]
            if not name_words:
                continue
            hits = sum(
                1 for w in name_words if any(fuzz.ratio(w, t) >= 80 for t in text.replace("s ", " ").split())
            )
            score = hits / len(name_words)
            if score > best_score:
                best, best_score = service, score
        return best if best_score >= 0.5 else None

    def _resource_in(self, tc: ToolContext, h: Heard, kinds: tuple[str, ...]) -> str | None:
        for resource in tc.ctx.resources:
            if resource.type in kinds:
                name = normalize(resource.name).split()
                if name and any(fuzz.ratio(name[-1], w) >= 88 for w in h.words):
                    return resource.name
        return None

    def _booking_start(self, tc: ToolContext, h: Heard, kind: str) -> str:
        state = Pending(tc.session.pending)
        state.booking = {"kind": kind}
        if kind == "service" and state.topic_service:
            state.booking["service"] = state.topic_service
        state.queue = None
        return self._booking_fill(tc, h, first=True)

    def _booking_fill(self, tc: ToolContext, h: Heard, first: bool = False) -> str:
        """Take whatever the caller just gave, then ask for the next missing piece, check it,
        read it back."""
        self._booking_extract(tc, h, first=first)
        return self._booking_next(tc, h.lang)

    def _booking_extract(self, tc: ToolContext, h: Heard, first: bool = False) -> bool:
        """People, day, time, name, service, stylist, problem: whatever this line carries.
        Returns whether anything new was understood."""
        booking = Pending(tc.session.pending).booking
        before = dict(booking)
        kind = booking["kind"]
        party = parse_party_size(h.norm)  # with STT homophones fixed ("vin" → "vingt")
        if party and kind == "reservation":
            booking["party_size"] = party
        if h.when is not None:
            if h.when.date is not None:
                booking["date"] = h.when.date.isoformat()
                if h.when.time is None:
                    booking.pop("time", None)
                    booking["part_of_day"] = h.when.part_of_day
            if h.when.time is not None:
                at = combine(h.when, tc.now)
                if at is not None:
                    if h.when.date is not None or not booking.get("date"):
                        booking["date"] = at.date().isoformat()
                    booking["time"] = f"{h.when.time:%H:%M}"
                    booking.pop("offered", None)
            elif h.when.part_of_day and h.when.date is None:
                booking["part_of_day"] = h.when.part_of_day
        name = parse_name(h.text)
        if name:
            booking["name"] = name
            tc.session.customer_name = name
        if kind == "service":
            service = self._service_in(tc, h)
            if service is not None:
                booking["service"] = service.name
            who = self._resource_in(tc, h, ("staff", "room", "equipment"))
            if who:
                booking["resource"] = who
        if kind == "consultation":
            if first and _describes_a_need(h.words, _office(tc)):
                booking["problem"] = _without_greeting(h.text)
                booking["urgency"] = self._consult_urgency(h)
            service = self._service_in(tc, h)
            if service is not None:
                booking["expertise"] = service.name
        return booking != before

    def _booking_next(self, tc: ToolContext, lang: str) -> str:
        booking = Pending(tc.session.pending).booking
        kind = booking["kind"]
        if kind == "reservation" and not booking.get("party_size"):
            return self._ask(tc, Expect.BOOKING, ph.say(lang, "party_q"))
        if kind == "service" and not booking.get("service"):
            options = [s.name for s in tc.ctx.services]
            if len(options) == 1:
                booking["service"] = options[0]
            else:
                return self._ask(
                    tc, Expect.BOOKING, ph.say(lang, "svc_q", options=ph.join(options, lang, "or"))
                )
        if kind == "consultation":
            if not booking.get("problem"):
                return self._ask(tc, Expect.BOOKING_PROBLEM, ph.say(lang, "problem_q"))
            if booking.get("urgency") in ("high", "emergency") and not booking.get("urgent_offered"):
                booking["urgent_offered"] = True
                about = topics.known(booking["problem"], lang)
                offer = ph.say(lang, "urgent_offer", about=f" ({about})" if about else "")
                return self._ask(tc, Expect.URGENT_OFFER, offer)
            if not booking.get("date") and not booking.get("no_preference"):
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "pref_q"))
            refused = self._day_refused(tc, lang) if booking.get("date") else None
            if refused is not None:
                return refused
            if booking.get("date") and not booking.get("time") and not booking.get("no_preference"):
                booking["time"] = {"morning": "10:00", "afternoon": "15:00"}.get(
                    booking.get("part_of_day") or "", ""
                )
                if not booking["time"]:
                    return self._ask(tc, Expect.BOOKING, ph.say(lang, "time_q"))
            if booking.get("date") and booking.get("time") and self._gone(tc, booking):
                booking.pop("time", None)  # "ce matin" said in the afternoon: never read back a past time
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "past") + " " + ph.say(lang, "time_q"))
        else:
            if not booking.get("date") and not booking.get("time"):
                return self._ask(tc, Expect.BOOKING, ph.say(lang, "when_q"))
            if not booking.get("date"):
                booking["date"] = tc.now.date().isoformat()
            refused = None if booking.get("time") else self._day_refused(tc, lang)
            if refused is not None:
                return refused
            if not booking.get("time"):
                return self._offer_day(tc, lang)
            check = call_tool(tc, "check_availability", self._check_args(booking))
            if not check["ok"]:
                return self._booking_refused(tc, check, lang)
            booking["resource_free"] = check["slot"].get("resource")
        if kind == "service":
            missing = self._missing_field(tc, booking)
            if missing is not None:
                return self._ask(
                    tc, Expect.BOOKING_FIELD, missing, yes_no=self._field_kind(tc, booking) in YES_NO_FIELDS
                )
        if not booking.get("name") and not tc.session.customer_name:
            return self._ask(tc, Expect.BOOKING_NAME, ph.say(lang, "name_q"))
        booking.setdefault("name", tc.session.customer_name)
        return self._ask(tc, Expect.BOOKING_CONFIRM, self._booking_readback(tc, lang))

    def _day_refused(self, tc: ToolContext, lang: str) -> str | None:
        """The day asked for, said back when nothing can be booked on it: gone by, closed (weekly
        or that date, with the next opening and its date), or a public holiday the owner has not
        decided about (we will check). None when the store opens that day."""
        booking = Pending(tc.session.pending).booking
        info = call_tool(tc, "hours_on_date", {"date": booking["date"]})
        if not info.get("ok") or (info["status"] in ("open", "special") and not info["past"]):
            return None
        booking.pop("date", None)
        booking.pop("time", None)
        return self._ask(tc, Expect.BOOKING, self._day_text(tc, info, lang) + " " + ph.say(lang, "date_q"))

    def _gone(self, tc: ToolContext, booking: dict[str, Any]) -> bool:
        at = datetime.fromisoformat(f"{booking['date']}T{booking['time']}").replace(tzinfo=tc.tz)
        return at <= tc.now

    def _day_text(self, tc: ToolContext, info: dict[str, Any], lang: str) -> str:
        """One date's answer from hours_on_date, always with the date said in full."""
        if not info.get("ok"):
            return ph.say(lang, "reprompt")
        day = date.fromisoformat(info["date"])
        said = ph.day_name(day, lang)
        if info["past"]:
            return ph.say(lang, "past_day", day=said)
        if info["status"] == "unknown":
            return ph.say(lang, "holiday_unknown", day=said, holiday=info["holiday"])
        spans = (span.split("–") for span in info["hours"])
        hours = ph.join([f"{ph.clock(a, lang)}–{ph.clock(b, lang)}" for a, b in spans], lang)
        why_text = info.get("reason") or info.get("holiday") or ""
        why = f" ({why_text})" if why_text else ""
        if info["status"] == "open":
            return ph.say(lang, "open_on", day=said, hours=hours)
        if info["status"] == "special":
            return ph.say(lang, "special_on", day=said, why=why, hours=hours)
        if why_text:
            text = ph.say(lang, "closed_on", day=said, why=why)
        else:
            text = ph.say(lang, "closed_weekly", weekday=ph.DAYS[lang][day.weekday()])
        if info.get("next_opening"):
            opens = datetime.fromisoformat(info["next_opening"]).astimezone(tc.tz)
            text += " " + ph.say(lang, "reopens", when=ph.when(opens, lang))
        return text

    def _check_args(self, booking: dict[str, Any], *, with_time: bool = True) -> dict[str, Any]:
        args: dict[str, Any] = {"kind": booking["kind"], "date": booking["date"]}
        if with_time:
            args["time"] = booking["time"]
        if booking["kind"] == "reservation":
            args["party_size"] = booking["party_size"]
        if booking["kind"] == "service":
            args["service"] = booking["service"]
            if booking.get("resource"):
                args["resource"] = booking["resource"]
        return args

    def _offer_day(self, tc: ToolContext, lang: str) -> str:
        booking = Pending(tc.session.pending).booking
        args = self._check_args(booking, with_time=False)
        ranges = {"morning": ("00:00", "12:00"), "noon": ("11:00", "15:00"), "afternoon": ("12:00", "18:00"),
                  "evening": ("17:00", "23:59"), "night": ("19:00", "23:59")}  # fmt: skip
        part = booking.get("part_of_day")
        result = call_tool(tc, "check_availability", args)
        if part in ranges:
            narrowed = call_tool(
                tc, "check_availability", {**args, "from_time": ranges[part][0], "to_time": ranges[part][1]}
            )
            if narrowed["ok"] and narrowed["slots"]:
                result = narrowed
        day = ph.day_name(date.fromisoformat(booking["date"]), lang, tc.now.date())
        slots = result.get("slots", []) if result["ok"] else []
        if not slots:
            booking.pop("date", None)
            return self._ask(
                tc, Expect.BOOKING, ph.say(lang, "no_slot_day", day=day) + " " + ph.say(lang, "date_q")
            )
        picks = self._spread(slots, 3)
        booking["offered"] = [{"date": s["date"], "time": s["time"]} for s in picks]
        times = ph.join([ph.clock(s["time"], lang) for s in picks], lang)
        return self._ask(
            tc, Expect.BOOKING, ph.say(lang, "slots_on", day=day, times=times) + " " + ph.say(lang, "time_q")
        )

    @staticmethod
    def _spread(slots: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        if len(slots) <= n:
            return slots
        step = (len(slots) - 1) / (n - 1)
        return [slots[round(i * step)] for i in range(n)]

    def _booking_refused(self, tc: ToolContext, result: dict[str, Any], lang: str) -> str:
        booking = Pending(tc.session.pending).booking
        code = result["error"]
        if code != "party_too_large":  # a smaller party keeps the day and time they asked for
            booking.pop("time", None)
        alternatives = result.get("alternatives") or []
        booking["offered"] = alternatives[:3]
        if code == "closed_hours":
            last = ""
            if result.get("last_slot") and result.get("closes_at"):
                last = ph.say(
                    lang,
                    "last_slot",
                    closes=ph.clock(
                        str(result["closes_at"])[-5:]
                        if "T" not in str(result["closes_at"])
                        else datetime.fromisoformat(result["closes_at"]).astimezone(tc.tz),
                        lang,
                    ),
                    last=ph.clock(
                        str(result["last_slot"])[-5:]
                        if "T" not in str(result["last_slot"])
                        else datetime.fromisoformat(result["last_slot"]).astimezone(tc.tz),
                        lang,
                    ),
                )
            text = ph.say(lang, "closed_hours", last=last)
        elif code == "party_too_large":
            booking.pop("party_size", None)
            Pending(tc.session.pending).human_offered = True
            too_large = ph.say(lang, "party_too_large", max=result.get("max_party", tc.ctx.max_party))
            return self._ask(tc, Expect.BOOKING, too_large, yes_no=True)
        elif code in ("closed_day", "holiday_unknown") and result.get("date"):
            text = self._day_text(tc, call_tool(tc, "hours_on_date", {"date": result["date"]}), lang)
            booking.pop("date", None) if not alternatives else None
        elif code in ("past", "closed_day", "full", "too_soon", "too_far", "not_bookable"):
            text = ph.say(lang, code)
            if code in ("past", "closed_day"):
                booking.pop("date", None) if not alternatives else None
        else:
            text = result.get("message", "")
        if alternatives:  # "… Cela vous convient ?": yes takes the first
            alternatives_text = self._alternatives_text(tc, alternatives, lang)
            return self._ask(tc, Expect.BOOKING, text + " " + alternatives_text, yes_no=True)
        return self._ask(tc, Expect.BOOKING, text + " " + ph.say(lang, "when_q"))

    def _alternatives_text(self, tc: ToolContext, alternatives: list[dict[str, Any]], lang: str) -> str:
        slots = [
            ph.when(
                datetime.fromisoformat(f"{a['date']}T{a['time']}").replace(tzinfo=tc.tz), lang, tc.now.date()
            )
            for a in alternatives[:3]
        ]
        return ph.say(lang, "alternatives", slots=ph.join(slots, lang))

    def _missing_field(self, tc: ToolContext, booking: dict[str, Any]) -> str | None:
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        if service is None:
            return None
        values = booking.setdefault("fields", {})
        for field in service.custom_fields:
            name = field.get("name")
            if field.get("required") and name not in values:
                booking["asking_field"] = name
                choices = (field.get("config") or {}).get("choices") or []
                lang = tc.session.lang
                extra = f" ({ph.join([str(c) for c in choices], lang)})" if choices else ""
                return ph.say(
                    lang, "field_q", service=service.name, field=str(name).replace("_", " "), choices=extra
                )
        return None

    def _field_kind(self, tc: ToolContext, booking: dict[str, Any]) -> str:
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        fields = service.custom_fields if service else ()
        return str(next((f.get("type") for f in fields if f.get("name") == booking.get("asking_field")), ""))

    def _answer_booking_field(self, tc: ToolContext, h: Heard) -> str | None:
        booking = Pending(tc.session.pending).booking or {}
        name = booking.pop("asking_field", None)
        if not name:
            return None
        service = next((s for s in tc.ctx.services if s.name == booking.get("service")), None)
        field = next((f for f in (service.custom_fields if service else ()) if f.get("name") == name), {})
        choices = (field.get("config") or {}).get("choices") or []
        value: str = h.text.strip()
        if choices:
            scored = [(c, fuzz.partial_ratio(normalize(str(c)), h.norm)) for c in choices]
            best = max(scored, key=lambda cs: cs[1])
            if best[1] < 80:
                booking["asking_field"] = name
                return None
            value = str(best[0])
        booking.setdefault("fields", {})[name] = value
        return self._booking_next(tc, h.lang)

    def _answer_booking(self, tc: ToolContext, h: Heard) -> str | None:
        state = Pending(tc.session.pending)
        booking = state.booking
        if booking is None:
            return None
        lang = h.lang
        human_offered, state.human_offered = state.human_offered, False  # the offer holds for one answer
        if human_offered and h.yes and not parse_party_size(h.text):
            return self._transfer(tc, "group booking")
        offered = booking.get("offered") or []
        if offered and h.when is None:
            pick = None
            if h.yes:
                pick = offered[0]
            for word in h.words:
                if word in ORDINALS and -len(offered) <= ORDINALS[word] < len(offered):
                    pick = offered[ORDINALS[word]]
            if pick is not None:
                booking["date"], booking["time"] = pick["date"], pick["time"]
                booking.pop("offered", None)
                return self._booking_next(tc, lang)
        no_preference = h.no or any(p in h.norm for p in NO_PREFERENCE)
        if booking["kind"] == "consultation" and no_preference and h.when is None:
            booking["no_preference"] = True
            return self._booking_next(tc, lang)
        if self._booking_extract(tc, h):
            return self._booking_next(tc, lang)
        if booking["kind"] == "reservation" and not booking.get("party_size") and not h.mentions:
            numbers = find_numbers(h.norm)
            if numbers and 0 < numbers[0].value <= 50:
                booking["party_size"] = numbers[0].value
                return self._booking_next(tc, lang)
        if h.no:
            tc.session.pending.clear()
            return ph.say(lang, "keep")
        return None  # not about the booking: the caller's new request (or a reprompt) takes it

    def _answer_booking_problem(self, tc: ToolContext, h: Heard) -> str | None:
        booking = Pending(tc.session.pending).booking
        if booking is None or len(h.words) < 2:
            return None
        booking["problem"] = _without_greeting(h.text)
        booking["urgency"] = self._consult_urgency(h)
        return self._booking_fill(tc, h)

    @staticmethod
    def _consult_urgency(h: Heard) -> str:
        """ "urgent", or someone to reach today, makes the matter urgent (health stays emergency)."""
        said = complaints.urgency(h.text)
        return "high" if said in ("low", "normal") and tone.pressing(h.norm) else said

    def _answer_urgent_offer(self, tc: ToolContext, h: Heard) -> str | None:
        if h.yes:
            return self._urgent_transfer(tc, h.lang)
        if h.no:
            return self._booking_next(tc, h.lang)
        return self._answer_booking(tc, h)  # "lundi à 10h": no person now, that time instead

    def _urgent_transfer(self, tc: ToolContext, lang: str) -> str:
        """Record the urgent request (name if we have it), then hand over."""
        booking = Pending(tc.session.pending).booking
        name = booking.get("name") or tc.session.customer_name
        args = {"problem": booking["problem"], "urgency": booking.get("urgency") or "high"}
        call_tool(tc, "request_consultation", {**args, **({"customer_name": name} if name else {})})
        about = topics.known(booking["problem"], lang)
        text = ph.say(lang, "urgent_transfer", about=f" ({about})" if about else "")
        self._transfer(tc, "urgent consultation")
        return text

    def _answer_booking_name(self, tc: ToolContext, h: Heard) -> str | None:
        booking = Pending(tc.session.pending).booking
        if booking is None:
            return None
        name = parse_name(h.text)
        if not name:
            words = [w for w in h.text.strip(" .!").split() if w]
            if 1 <= len(words) <= 3 and not h.has("no") and not h.has("human"):
                name = " ".join(w.capitalize() if w.islower() else w for w in words)
        if not name:
            return None
        booking["name"] = name
        tc.session.customer_name = name
        return self._booking_next(tc, h.lang)

    def _booking_when(self, tc: ToolContext, booking: dict[str, Any], lang: str) -> str:
        at = datetime.fromisoformat(f"{booking['date']}T{booking['time']}").replace(tzinfo=tc.tz)
        return ph.when(at, lang, tc.now.date())

    def _booking_readback(self, tc: ToolContext, lang: str) -> str:
        booking = Pending(tc.session.pending).booking
        kind = booking["kind"]
        if kind == "reservation":
            return ph.say(
                lang,
                "res_readback",
                party=booking["party_size"],
                when=self._booking_when(tc, booking, lang),
                name=booking["name"],
            )
        if kind == "service":
            who = booking.get("resource") or booking.get("resource_free")
            return ph.say(
                lang,
                "svc_readback",
                service=booking["service"],
                with_=ph.say(lang, "svc_with", who=who) if who else "",
                when=self._booking_when(tc, booking, lang),
                name=booking["name"],
            )
        pref = ""
        if booking.get("date") and booking.get("time"):
            pref = ph.say(lang, "consult_pref", when=self._booking_when(tc, booking, lang))
        urgent = booking.get("urgency") in ("high", "emergency")
        what = ph.say(lang, "consult_what_urgent" if urgent else "consult_what")
        problem = topics.summary(booking["problem"], lang)  # the matter in a few words, not the sentence
        return ph.say(lang, "consult_readback", what=what, problem=problem, pref=pref, name=booking["name"])

    def _answer_booking_confirm(self, tc: ToolContext, h: Heard) -> str | None:
        booking = Pending(tc.session.pending).booking
        if booking is None:
            return None
        lang = h.lang
        if h.yes:
            kind = booking["kind"]
            if kind == "reservation":
                result = call_tool(
                    tc,
                    "book_reservation",
                    {
                        "date": booking["date"],
                        "time": booking["time"],
                        "party_size": booking["party_size"],
                        "customer_name": booking["name"],
                    },
                )
                done = ph.say(
                    lang, "res_done", party=booking["party_size"], when=self._booking_when(tc, booking, lang)
                )
            elif kind == "service":
                args = {
                    "service": booking["service"],
                    "date": booking["date"],
                    "time": booking["time"],
                    "customer_name": booking["name"],
                }
                if booking.get("resource"):
                    args["resource"] = booking["resource"]
                if booking.get("fields"):
                    args["custom_fields"] = booking["fields"]
                result = call_tool(tc, "book_service", args)
                who = result.get("with") if result["ok"] else None
                done = ph.say(
                    lang,
                    "svc_done",
                    service=booking["service"],
                    with_=ph.say(lang, "svc_with", who=who) if who else "",
                    when=self._booking_when(tc, booking, lang),
                )
            else:
                args = {
                    "problem": booking["problem"],
                    "urgency": booking.get("urgency", "normal"),
                    "customer_name": booking["name"],
                }
                if booking.get("expertise"):
                    args["expertise"] = booking["expertise"]
                if booking.get("date") and booking.get("time"):
                    args["preferred_date"], args["preferred_time"] = booking["date"], booking["time"]
                result = call_tool(tc, "request_consultation", args)
                sched = ""
                if result["ok"] and result.get("scheduled"):
                    at = datetime.fromisoformat(result["scheduled"]).astimezone(tc.tz)
                    sched = ph.say(lang, "consult_sched", when=ph.when(at, lang, tc.now.date()))
                done = ph.say(lang, "consult_done", sched=sched)
            if not result["ok"]:
                return self._booking_refused(tc, result, lang)
            tc.session.pending.clear()
            return done
        if h.no:
            return self._ask(tc, Expect.BOOKING, ph.say(lang, "what_change"))
        if self._booking_extract(tc, h):
            return self._booking_next(tc, lang)
        return None
