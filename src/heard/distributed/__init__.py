"""Scale-out analysis on a Dask cluster (``heard analyze --engine dask``; docs/scale.md).

The same analysis as :mod:`heard.batch`, cut into partitions (whole files, and byte ranges of
large JSONL files), analysed on the workers of a Dask cluster, with the corpus-level scripted
empathy computed by a reduce step, and written to partitioned Parquet, the database, or back to
the client in input order. The result is identical whatever the engine and worker count.

Dask, distributed and pyarrow come with the ``scale`` extra (``pip install 'heard[scale]'``);
this package imports them only when a run starts.
"""

from __future__ import annotations

from heard.distributed.engine import (
    ClusterError,
    DaskUnavailableError,
    DistributedRun,
    PartitionFailure,
    RunReport,
    require_dask,
)
from heard.distributed.partition import Partition, byte_ranges, plan_partitions
from heard.distributed.tasks import Collect, FinishResult, TaskSettings

__all__ = [
    "ClusterError",
    "Collect",
    "DaskUnavailableError",
    "DistributedRun",
    "FinishResult",
    "Partition",
    "PartitionFailure",
    "RunReport",
    "TaskSettings",
    "byte_ranges",
    "plan_partitions",
    "require_dask",
]
