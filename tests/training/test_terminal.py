"""`heard train` driven for real: the command runs in a pseudo-terminal, keys are typed into
it, and the screen is read back (Python's own ``pty``, no extra dependency)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli import app
from heard.store import Database
from heard.training import progress_for

from .support import SCRIPTS

HEARD = Path(sys.executable).with_name("heard")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")

pytestmark = pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a POSIX terminal")


class Terminal:
    """A command in a pseudo-terminal: type into it, wait for text on its screen."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the command
            os.execve(str(HEARD), [str(HEARD), *args], env)
        self.screen = ""

    def read(self, timeout: float = 0.2) -> None:
        while True:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the command exited and closed the terminal
                return
            if not chunk:
                return
            self.screen += ANSI.sub("", chunk.decode("utf-8", "replace"))

    def expect(self, text: str, timeout: float = 20.0, *, after: int = 0) -> None:
        """Wait for ``text`` on the screen (only what appeared after position ``after``)."""
        deadline = time.monotonic() + timeout
        while text not in self.screen[after:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on screen:\n{self.screen[-3000:]}")
            self.read()

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def close(self) -> int:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.read()
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the command did not finish")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[type[Terminal]]:
    env = {
        **os.environ,
        "COLUMNS": "120",
        "LINES": "50",
        "TERM": "xterm-256color",
        "HEARD_DB": str(tmp_path / "heard.db"),
    }
    started: list[Terminal] = []

    class Bound(Terminal):
        def __init__(self, *args: str) -> None:
            super().__init__(*args, env=env)
            started.append(self)

    yield Bound
    for running in started:
        try:
            os.kill(running.pid, signal.SIGKILL)
            os.waitpid(running.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_a_good_listener_plays_a_whole_session(terminal: type[Terminal], tmp_path: Path) -> None:
    session = terminal("train", "delayed-order", "--seed", "1", "--pace", "0", "--trainee", "t1")
    session.expect("An order delayed before an event")
    session.expect("Robin › it's the decorations")
    session.expect("You › ")
    session.type("/hint")
    session.expect("hint They are worried about the party on Saturday")
    for line in SCRIPTS["delayed-order"]["good"]:
        mark = len(session.screen)
        session.type(line)
        session.expect("mood ", timeout=30, after=mark)
        assert "Robin ›" in session.screen[mark:]
    session.expect("The conversation is over: resolved.")
    session.expect("Debrief")
    session.expect("RESOLVED after 5 turns")
    session.expect("What helped")
    session.expect("Saved to t1's progress")
    assert session.close() == 0
    assert "It's 48213." in session.screen or "The order number is 48213." in session.screen
    assert "✓ empathy" in session.screen
    database = Database(str(tmp_path / "heard.db"))
    try:
        with database.session() as db:
            (progress,) = progress_for(db, ["t1"])
    finally:
        database.dispose()
    assert (progress.roleplays, progress.resolved) == (1, 1)


def test_replying_while_the_customer_is_still_typing_interrupts(terminal: type[Terminal]) -> None:
    session = terminal(
        "train", "delayed-order", "--seed", "1", "--pace", "3", "--no-save", "--trainee", "t2"
    )
    session.expect("… typing")
    mark = len(session.screen)
    session.type("What's your order number?")  # before the rest of the burst is shown
    session.expect("mood ", timeout=30, after=mark)
    session.expect("interruption: you replied before they had finished")
    session.type("/quit")
    session.expect("ABANDONED")
    session.expect("Practise next: letting them finish")
    assert session.close() == 0


def test_a_poor_listener_sees_the_customer_escalate(terminal: type[Terminal]) -> None:
    session = terminal("train", "policy-wrong", "--seed", "1", "--pace", "0", "--no-save")
    session.expect("You › ")
    for line in SCRIPTS["policy-wrong"]["poor"]:
        mark = len(session.screen)
        session.type(line)
        session.expect("mood ", timeout=30, after=mark)
        if "The conversation is over" in session.screen:
            break
    session.expect("The conversation is over: escalated.")
    session.expect("What hurt")
    assert session.close() == 0


def test_the_summarising_exercise_in_the_terminal(terminal: type[Terminal]) -> None:
    session = terminal("train", "--summary", "moving-home-chat", "--trainee", "t3")
    session.expect("finish with an empty")
    session.type("They are moving on the 18th and need the broadband moved.")
    session.type("")
    session.expect("Your summary")
    session.expect("✗ wrong: “18th” is not what the customer said")
    session.expect("✗ missed: They work from home and cannot be without internet.")
    session.expect("Saved to t3's progress")
    assert session.close() == 0


def test_list_and_unknown_names() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["train", "--list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for scenario_id in SCRIPTS:
        assert scenario_id in listed.output
    assert "double-charge-voicemail" in listed.output
    unknown = runner.invoke(app, ["train", "nope", "--no-save"], env={"COLUMNS": "200"})
    assert unknown.exit_code == 2
    assert "no scenario 'nope'" in unknown.output
