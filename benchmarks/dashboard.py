"""Speed of the web dashboard on a realistic database: 10,000 stored, analysed conversations.

    .venv/bin/python benchmarks/dashboard.py [--conversations 10000] [--db PATH] [--keep]

Builds (or reuses, with --db pointing at an existing file) a SQLite database through the store
functions — conversations and their analyses as `heard import` writes them, survey results as
`heard survey import` reads them, follow-ups as `heard followups generate` makes them — then:

1. times the dashboard request server-side (in-process, the whole response: queries, charts'
   data, template), cold (first request after start) and warm (median of 20);
2. serves the app under uvicorn on a free loopback port, signs in with a supervisor key (all
   five teams) in headless Debian chromium (heard.web.testing, as the end-to-end tests) and
   reads the browser's first paint and first contentful paint of the dashboard (median of 5
   loads), when its charts are drawn, and when the first-contact resolution chart (computed
   in the background) arrives.

Target (issue 6): first paint of the dashboard under one second on this machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import conversation as corpus_conversation

from heard.batch import analyses
from heard.conversation import Channel, Conversation
from heard.feedback.followups import generate_followups
from heard.feedback.surveys import import_survey_results
from heard.service import ServiceSettings, create_app
from heard.service.auth import create_key
from heard.store import Database
from heard.store.repository import save_analysis, save_conversation
from heard.web.testing import browser, chromium_available, serve, sign_in

CHANNELS = [Channel.CHAT, Channel.CHAT, Channel.EMAIL, Channel.SMS, Channel.SOCIAL]
FIRST_DAY = datetime(2025, 10, 6, 8, tzinfo=UTC)
DAYS = 26 * 7  # half a year of weekly trend points
BATCH = 500


def generated(count: int, seed: int = 7) -> Iterator[Conversation]:
    """The benchmark corpus spread over half a year, five channels, 40 agents in 5 teams, and
    customers who sometimes come back (so reopens and FCR have something to find)."""
    rng = random.Random(seed)
    for index in range(count):
        base = corpus_conversation(index, rng)
        start = FIRST_DAY + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        shift = start - (base.turns[0].time or start)
        customer = f"cust-{rng.randrange(count * 3 // 4)}"
        yield base.model_copy(
            update={
                "channel": rng.choice(CHANNELS),
                "customer_id": customer,
                "started_at": start,
                "turns": [
                    t.model_copy(update={"time": t.time + shift if t.time else None})
                    for t in base.turns
                ],
            }
        )


def build(path: Path, count: int, jobs: int) -> None:
    database = Database(str(path))
    started = time.perf_counter()
    batch: list[tuple[Conversation, object]] = []

    def flush() -> None:
        with database.session() as session:
            for conversation, analysis in batch:
                save_conversation(session, conversation, "benchmark")
                save_analysis(session, conversation, analysis)  # type: ignore[arg-type]
        batch.clear()

    for done, pair in enumerate(analyses(generated(count), jobs=jobs), start=1):
        batch.append(pair)
        if len(batch) >= BATCH:
            flush()
            print(f"\r  stored {done:,} of {count:,}", end="", flush=True)
    flush()
    print(f"\r  stored {count:,} conversations in {time.perf_counter() - started:.0f} s")

    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.csv"
        with results.open("w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["conversation_id", "kind", "score", "response_id"])
            for index in range(count):
                if rng.random() < 0.35:
                    writer.writerow([f"bench-{index}", "csat", rng.randint(1, 5), f"c{index}"])
                if rng.random() < 0.2:
                    writer.writerow([f"bench-{index}", "nps", rng.randint(0, 10), f"n{index}"])
        with database.session() as session:
            result = import_survey_results(session, results)
        print(f"  imported {result.rows:,} survey results")
    started = time.perf_counter()
    with database.session() as session:
        created = generate_followups(session)
    print(f"  generated {len(created):,} follow-ups in {time.perf_counter() - started:.0f} s")
    database.dispose()


def server_side(path: Path, key: str) -> tuple[float, float, list[float]]:
    """The whole dashboard request in-process: the first one on a fresh server (the index is
    read from the database then), and warm ones (the index only checks what changed)."""
    import re

    from fastapi.testclient import TestClient

    database = Database(str(path))
    app = create_app(ServiceSettings(redact=False), database, background=False)
    with TestClient(app, follow_redirects=False) as client:
        form = client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token is not None
        # Let the start-up warm-up (index and first-contact resolution) finish, then drop the
        # index, to measure a request that must read it all from the database.
        app.state.web_index.wait_for_resolution(timeout=120)
        app.state.web_index = None
        response = client.post("/login", data={"key": key, "login_token": token.group(1)})
        assert response.status_code == 303, response.text
        app.state.web_index.wait_for_resolution(timeout=120)  # the sign-in page warmed it again
        app.state.web_index = None
        started = time.perf_counter()
        page = client.get("/dashboard")
        cold = time.perf_counter() - started
        assert page.status_code == 200, page.text[:500]
        started = time.perf_counter()
        client.get("/dashboard?period=month")  # warm index, new filters: computed, not cached
        uncached = time.perf_counter() - started
        warm = []
        for _ in range(20):
            started = time.perf_counter()
            client.get("/dashboard")
            warm.append(time.perf_counter() - started)
    database.dispose()
    return cold, uncached, warm


def in_browser(path: Path, key: str, loads: int) -> list[dict[str, float]]:
    """First paint of the dashboard in Debian's Chromium, after signing in through the form."""
    database = Database(str(path))
    app = create_app(ServiceSettings(redact=False), database, background=False)
    figures = []
    with serve(app) as base, browser() as chromium:
        page = chromium.new_page()
        sign_in(page, base, key)
        for _ in range(loads):
            page.goto(f"{base}/dashboard", wait_until="load")
            page.wait_for_selector("#chart-components[data-chart-ready]", timeout=30_000)
            figures.append(
                page.evaluate(
                    """() => {
                    const paint = Object.fromEntries(
                      performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
                    const nav = performance.getEntriesByType('navigation')[0];
                    return {
                      response_end: nav.responseEnd,
                      first_paint: paint['first-paint'],
                      first_contentful_paint: paint['first-contentful-paint'],
                      charts_drawn: Number(document.body.dataset.chartsDrawnAt || NaN),
                    };
                }"""
                )
            )
        started = time.perf_counter()
        page.wait_for_selector("#chart-fcr-trend[data-chart-ready]", timeout=120_000)
        figures.append({"fcr_ready_after_last_load": (time.perf_counter() - started) * 1000})
    database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="Reuse (or build once into) this SQLite file.")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "dashboard.db"
        if not path.exists():
            print(f"Building {args.conversations:,} analysed conversations into {path}")
            build(path, args.conversations, args.jobs)
        database = Database(str(path))
        with database.session() as session:
            key = create_key(
                session,
                f"bench-{time.time_ns()}",
                "supervisor",
                team_ids=[f"team-{i}" for i in range(5)],
            )
            admin = create_key(session, f"bench-admin-{time.time_ns()}", "admin")
        database.dispose()

        cold, uncached, warm = server_side(path, admin)
        print(
            f"Dashboard request, server side (admin, all {args.conversations:,} conversations): "
            f"first on a fresh server {cold * 1000:.0f} ms, new filters {uncached * 1000:.0f} ms, "
            f"repeated median {statistics.median(warm) * 1000:.0f} ms"
        )
        if not chromium_available():
            print("No /usr/bin/chromium: skipping the browser figures (apt-get install chromium)")
            return
        figures = in_browser(path, key, args.loads)
        names = ("response_end", "first_paint", "first_contentful_paint", "charts_drawn")
        for name in names:
            values = [f[name] for f in figures if name in f and f[name] == f[name]]
            if values:
                print(
                    f"Browser {name.replace('_', ' ')}: median {statistics.median(values):.0f} ms"
                    f" (max {max(values):.0f} ms over {len(values)} loads)"
                )
        waited = [
            f["fcr_ready_after_last_load"] for f in figures if "fcr_ready_after_last_load" in f
        ]
        if waited:
            print(f"First-contact resolution chart ready {waited[0]:.0f} ms after the last load")


if __name__ == "__main__":
    main()
