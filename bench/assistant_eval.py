"""The assistant judged by simulated callers (bench/callers): ≥ 3,000 generated conversations on
the three demo stores and on four catalogs the brain has never seen, each judged on the rows it
leaves. Prints the exact-outcome rate by category × language next to the goals, silent drops and
corrections apart; writes bench/results/assistant_eval.json with a few failing transcripts per
category. --conversations (default 3,003) and --seed change the sample (or CONVERSATIONS and
SEED); --brain openai judges that brain."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, print_table, setup_django, write_json

GOAL_UNSEEN = 0.97
GOAL_LANG = 0.95


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conversations", type=int, default=int(os.environ.get("CONVERSATIONS", "3003")), help="sample size"
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "2026")), help="sample seed")
    parser.add_argument(
        "--brain", choices=("local", "openai"), default=os.environ.get("BRAIN", "local"), help="brain judged"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    setup_django()
    # The app's modules load only once Django is set up (as in the other benchmarks).
    from django.core.management import call_command

    from bench.callers import catalogs, runner
    from bench.callers.generator import CATEGORIES
    from stores.models import Store

    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    stores = {slug: (Store.objects.get(slug=slug), "demo") for slug in runner.DEMO}
    for name in catalogs.UNSEEN:
        store = catalogs.load(name)
        stores[store.slug] = (store, "unseen")
    total, seed, brain = args.conversations, args.seed, args.brain
    started = time.perf_counter()
    convs = runner.generate(stores, per_store=-(-total // len(stores)), seed=seed)
    generated = time.perf_counter() - started
    played = [runner.play(conv, store, brain=brain) for conv, store in convs]
    elapsed = time.perf_counter() - started
    summary = runner.summarize(played)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.1f} %"

    rows = []
    for key, label, goal in (
        ("all", "all", None),
        ("group|demo", "demo stores", None),
        ("group|unseen", "unseen catalogs", GOAL_UNSEEN),
        ("group_lang|demo|fr", "demo, FR", GOAL_LANG),
        ("group_lang|demo|en", "demo, EN", GOAL_LANG),
        ("group_lang|unseen|fr", "unseen, FR", GOAL_LANG),
        ("group_lang|unseen|en", "unseen, EN", GOAL_LANG),
    ):
        s = summary[key]
        rows.append(
            {
                "conversations": label,
                "n": s["n"],
                "exact": pct(s["exact"]),
                "goal": f"≥ {goal * 100:.0f} %" if goal else "",
                "met": "" if goal is None else ("yes" if s["exact"] >= goal else "NO"),
                "exact after correction": pct(s["exact_after_correction"]),
                "needed correction": s["needed_correction"],
                "silent drops (goal 0)": s["silent_drops"],
            }
        )
    print_table(
        f"Simulated callers, {brain} brain: {len(played)} conversations in {elapsed:.0f} s "
        f"(generation {generated:.0f} s), exact outcome without a correction",
        rows,
    )
    for group in ("demo", "unseen"):
        table = []
        for category in CATEGORIES:
            cells = {lang: summary.get(f"cell|{group}|{category}|{lang}") for lang in ("fr", "en")}
            if not any(cells.values()):
                continue
            row: dict[str, object] = {"category": category}
            for lang, s in cells.items():
                row[f"{lang} n"] = s["n"] if s else 0
                row[f"{lang} exact"] = pct(s["exact"]) if s else "-"
            row["silent drops"] = sum(s["silent_drops"] for s in cells.values() if s)
            row["corrected"] = sum(s["needed_correction"] for s in cells.values() if s)
            table.append(row)
        print_table(
            f"By category × language, {group} ({'goal ≥ 97 %' if group == 'unseen' else 'no goal'})", table
        )
    failures: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in played:
        if (p.verdict.outcome != "exact" or p.verdict.silent_drops) and len(failures[p.conv.category]) < 3:
            failures[p.conv.category].append(
                {
                    "store": p.conv.store,
                    "lang": p.conv.lang,
                    "outcome": p.verdict.outcome,
                    "reasons": p.verdict.reasons,
                    "silent_drops": p.verdict.silent_drops,
                    "transcript": [f"{who}: {text}" for who, text in p.transcript],
                }
            )
    path = write_json(
        "assistant_eval",
        {
            "brain": brain,
            "seed": seed,
            "conversations": len(played),
            "seconds": round(elapsed, 1),
            "summary": summary,
            "failing_examples": failures,
        },
    )
    print(f"\nwritten {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
