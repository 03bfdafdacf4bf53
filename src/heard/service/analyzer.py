"""Where the server analyses conversations: in worker processes, off the event loop's GIL.

Analysis is milliseconds of pure-Python CPU per conversation. Run in the request's thread it
would hold the GIL against the event loop, and live assist answers would wait behind uploads;
in a separate process it runs on another core and the loop stays responsive. With
``workers=0`` it runs in the calling thread (tests, tiny deployments).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from heard.analysis import Analysis, analyze
from heard.batch import _analyze_in_worker, _init_worker
from heard.conversation import Conversation
from heard.scoring import Rubric

log = logging.getLogger("heard.service")


class Analyzer:
    def __init__(self, rubric: Rubric, workers: int) -> None:
        self.rubric = rubric
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.rubric,),
                )
            return self._pool

    def start(self) -> None:
        """Start the workers now (they load the models) rather than on the first upload."""
        if self.workers:
            self._executor().submit(int).result()

    def analyze(self, conversation: Conversation) -> Analysis:
        if not self.workers:
            return analyze(conversation, rubric=self.rubric)
        try:
            return self._executor().submit(_analyze_in_worker, conversation).result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start a fresh pool next time, and do not
            # lose this conversation: analyse it here.
            log.warning("an analysis worker died; restarting the pool")
            with self._lock:
                self._pool = None
            return analyze(conversation, rubric=self.rubric)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
