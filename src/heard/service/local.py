"""`heard serve` started in the background on a free loopback port, ready when it is yielded:
for integration tests and benchmarks that need the real server, not an in-process app."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


@dataclass
class LocalServer:
    base: str
    ws_base: str
    process: subprocess.Popen[str]
    log: str = ""  # everything it printed, once it has stopped (with capture_log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_server(
    database: str,
    *,
    env: dict[str, str] | None = None,
    arguments: Sequence[str] = (),
    capture_log: bool = False,
    timeout: float = 120.0,
) -> Iterator[LocalServer]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "heard", "serve", "--port", str(port), "--db", database, *arguments],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE if capture_log else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if capture_log else subprocess.PIPE,
        text=True,
    )
    server = LocalServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{server.base}/v1/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                stream = process.stdout if capture_log else process.stderr
                raise RuntimeError(stream.read() if stream else "the server exited")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not ready within {timeout:.0f} s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        printed, complained = process.communicate(timeout=30)
        server.log = (printed or "") + (complained or "")
