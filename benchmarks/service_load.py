"""A bounded load test of a real `heard serve` on loopback: sustained ingest and assist traffic
at once, then a check that every conversation the server accepted is in its database.

    .venv/bin/python benchmarks/service_load.py --seconds 60 --ingest-clients 4 --assist-sessions 20

Ingest clients post generated 12-turn conversations (native JSON, batches of ``--batch``) back
to back; assist sessions play conversations over the WebSocket with a mean think time of
``--think`` seconds. Any HTTP status other than 201, any transport error and any assist error
counts as an error; "lost" counts accepted conversations missing from the database afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import time

import httpx
from assist_latency import agent, messages_of, percentile
from corpus import corpus
from server import running_server


async def ingest_client(
    finished: list[float],
    base: str,
    key: str,
    batches: list[list[dict[str, object]]],
    stop: float,
    accepted: set[str],
    latencies: list[float],
    errors: list[str],
) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=60) as client:
        for batch in batches:
            if time.monotonic() >= stop:
                return
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{base}/v1/conversations", content=json.dumps(batch), headers=headers
                )
            except httpx.HTTPError as error:
                errors.append(f"ingest: {type(error).__name__}: {error}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                errors.append(f"ingest: HTTP {response.status_code}: {response.text[:200]}")
                continue
            body = response.json()
            accepted.update(item["id"] for item in body["stored"])
            finished.append(time.monotonic())
            if body["skipped"]:
                errors.append(f"ingest: skipped {body['skipped'][:1]}")


async def assist_loop(
    ws_base: str,
    key: str,
    index: int,
    stop: float,
    think: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    rng = random.Random(index)
    round_ = 0
    while time.monotonic() < stop:
        conversation = next(iter(corpus(1, seed=index * 1000 + round_)))
        script = messages_of(
            [{"id": t.id, "role": t.role.value, "text": t.text} for t in conversation.turns]
        )
        try:
            await agent(
                f"{ws_base}/v1/assist/load-{index}-{round_}",
                key,
                script,
                think,
                rng,
                latencies,
                errors,
            )
        except Exception as error:  # a dropped connection is an error to count, not a crash
            errors.append(f"assist: {type(error).__name__}: {error}")
        round_ += 1


async def run(args: argparse.Namespace) -> None:
    with running_server() as server:
        conversations = [
            c.model_dump(mode="json") for c in corpus(args.ingest_clients * 1500, seed=3)
        ]
        per_client = [conversations[i :: args.ingest_clients] for i in range(args.ingest_clients)]
        batches = [
            [chunk[j : j + args.batch] for j in range(0, len(chunk), args.batch)]
            for chunk in per_client
        ]
        accepted: set[str] = set()
        ingest_ms: list[float] = []
        assist_ms: list[float] = []
        errors: list[str] = []
        finished: list[float] = []
        started = time.monotonic()
        stop = started + args.seconds
        await asyncio.gather(
            *(
                ingest_client(
                    finished,
                    server.base,
                    server.keys["admin"],
                    b,
                    stop,
                    accepted,
                    ingest_ms,
                    errors,
                )
                for b in batches
            ),
            *(
                assist_loop(
                    server.ws_base, server.keys["agent"], i, stop, args.think, assist_ms, errors
                )
                for i in range(args.assist_sessions)
            ),
        )
        elapsed = time.monotonic() - started
        with sqlite3.connect(server.database) as db:
            stored = {row[0] for row in db.execute("SELECT id FROM conversations")}
            analysed = {
                row[0] for row in db.execute("SELECT DISTINCT conversation_id FROM analyses")
            }
    ingest_seconds = (max(finished) - started) if finished else elapsed
    lost = accepted - stored
    unanalysed = accepted - analysed
    print(
        f"{elapsed:.0f} s with {args.ingest_clients} ingest clients (batches of {args.batch}) "
        f"and {args.assist_sessions} assist sessions (think {args.think} s)"
    )
    print(
        f"ingest: {len(accepted)} conversations accepted in {ingest_seconds:.0f} s "
        f"({len(accepted) / ingest_seconds:.1f}/s), "
        f"request p50 {percentile(ingest_ms, 0.5):.0f} ms, p95 {percentile(ingest_ms, 0.95):.0f} ms"
    )
    print(
        f"assist: {len(assist_ms)} messages ({len(assist_ms) / elapsed:.1f}/s), round trip "
        f"p50 {percentile(assist_ms, 0.5):.1f} ms, p95 {percentile(assist_ms, 0.95):.1f} ms, "
        f"p99 {percentile(assist_ms, 0.99):.1f} ms"
    )
    print(
        f"errors: {len(errors)}; accepted but not stored: {len(lost)}; "
        f"stored without analysis: {len(unanalysed)}"
    )
    for error in errors[:5]:
        print("  ", error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ingest-clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--assist-sessions", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
