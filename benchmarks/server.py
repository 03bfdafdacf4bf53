"""A real `heard serve` process on a free loopback port, for the service benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Server:
    base: str
    ws_base: str
    database: str
    keys: dict[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _key(database: str, name: str, *options: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "heard", "keys", "create", name, *options, "--db", database],
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


@contextmanager
def running_server(
    database: str | None = None, *, env: dict[str, str] | None = None
) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="heard-bench-"))
    database = database or str(folder / "bench.db")
    keys = {
        "admin": _key(database, "bench-admin", "--role", "admin"),
        "agent": _key(database, "bench-agent", "--role", "agent", "--agent", "agent-bench"),
    }
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "heard",
            "serve",
            "--port",
            str(port),
            "--db",
            database,
            "--log-level",
            "warning",
        ],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/v1/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read() if process.stderr else "server exited")
            if time.monotonic() > deadline:
                raise RuntimeError("the server was not ready within 120 s")
            time.sleep(0.2)
        yield Server(base, f"ws://127.0.0.1:{port}", database, keys)
    finally:
        process.terminate()
        process.wait(timeout=30)
