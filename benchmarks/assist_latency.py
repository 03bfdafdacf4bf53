"""Real-time assist latency: many concurrent agents on the WebSocket of a real `heard serve`.

Each simulated agent opens ``/v1/assist/{id}`` and plays a generated 12-turn conversation:
every customer and agent turn as it is sent, plus two drafts of each agent reply while it is
typed. A message is sent, its answer awaited, then the agent "thinks" for a random time
(exponential, mean ``--think`` seconds; 0 sends back to back). Latency is the round trip of
one message, measured by the client, so it includes the network stack and queueing.

    .venv/bin/python benchmarks/assist_latency.py --sessions 50 --think 1.0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

import websockets
from corpus import corpus
from server import running_server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def messages_of(conversation_turns: list[dict[str, str]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for turn in conversation_turns:
        if turn["role"] == "agent":
            words = turn["text"].split()
            for cut in (max(1, len(words) // 3), max(1, 2 * len(words) // 3)):
                out.append(
                    {"type": "partial", "turn": {"role": "agent", "text": " ".join(words[:cut])}}
                )
        out.append({"type": "turn", "turn": turn})
    return out


async def agent(
    url: str,
    key: str,
    script: list[dict[str, object]],
    think: float,
    rng: random.Random,
    latencies: list[float],
    errors: list[str],
) -> None:
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            errors.append(f"not ready: {ready}")
            return
        for message in script:
            started = time.perf_counter()
            await ws.send(json.dumps(message))
            answer = json.loads(await ws.recv())
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.get("type") != "update":
                errors.append(str(answer)[:200])
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
        await ws.send(json.dumps({"type": "end"}))


async def run(
    base: str, key: str, sessions: int, think: float, seed: int
) -> tuple[list[float], list[str], float]:
    rng = random.Random(seed)
    conversations = list(corpus(sessions, seed=seed))
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(
            agent(
                f"{base}/v1/assist/bench-{i}",
                key,
                messages_of([{"id": t.id, "role": t.role.value, "text": t.text} for t in c.turns]),
                think,
                random.Random(rng.random()),
                latencies,
                errors,
            )
            for i, c in enumerate(conversations)
        )
    )
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between messages")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with running_server() as server:
        latencies, errors, elapsed = asyncio.run(
            run(server.ws_base, server.keys["agent"], args.sessions, args.think, args.seed)
        )
    rate = len(latencies) / elapsed
    print(
        f"{args.sessions} concurrent sessions, mean think time {args.think} s, "
        f"{len(latencies)} messages in {elapsed:.1f} s ({rate:.0f} messages/s)"
    )
    print(
        f"round trip per message: p50 {percentile(latencies, 0.50):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {max(latencies):.1f} ms, mean {statistics.fmean(latencies):.1f} ms"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:5]:
        print("  ", error)


if __name__ == "__main__":
    main()
