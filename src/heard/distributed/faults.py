"""Failures on purpose: make chosen partitions fail their first attempts.

For tests and fire drills (does a retry recover? is a lost partition reported?). A
:class:`FailPartitions` is passed as ``TaskSettings.fault``; it counts attempts in small files in
a folder every worker can write (one machine, or a shared volume), because retries may run in
another process than the attempt before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from heard.distributed.partition import Partition


class InjectedFaultError(RuntimeError):
    """The failure :class:`FailPartitions` raises."""


@dataclass(frozen=True)
class FailPartitions:
    """Fail the first ``attempts[i]`` attempts of partition ``i`` at ``stage`` (map or finish)."""

    folder: str
    attempts: Mapping[int, int] = field(default_factory=dict)
    stage: str = "map"

    def __call__(self, partition: Partition, stage: str) -> None:
        failing = self.attempts.get(partition.index, 0)
        if stage != self.stage or not failing:
            return
        marker = Path(self.folder) / f"{stage}-{partition.index}.attempts"
        with marker.open("ab") as counter:  # one byte per attempt: appends are atomic enough
            counter.write(b".")
        attempt = marker.stat().st_size
        if attempt <= failing:
            raise InjectedFaultError(
                f"injected failure of partition {partition.index} ({stage}, attempt {attempt})"
            )
