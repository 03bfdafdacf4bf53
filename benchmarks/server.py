"""A real `heard serve` process with an admin and an agent key, for the service benchmarks."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from heard.service.local import local_server


@dataclass
class Server:
    base: str
    ws_base: str
    database: str
    keys: dict[str, str]


def _key(database: str, name: str, *options: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "heard", "keys", "create", name, *options, "--db", database],
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


@contextmanager
def running_server(env: dict[str, str] | None = None) -> Iterator[Server]:
    database = str(Path(tempfile.mkdtemp(prefix="heard-bench-")) / "bench.db")
    keys = {
        "admin": _key(database, "bench-admin", "--role", "admin"),
        "agent": _key(database, "bench-agent", "--role", "agent", "--agent", "agent-bench"),
    }
    with local_server(database, env=env, arguments=["--log-level", "warning"]) as server:
        yield Server(server.base, server.ws_base, database, keys)
