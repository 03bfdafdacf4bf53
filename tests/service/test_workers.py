"""Two real `heard serve` processes on one database, as the workers of `heard serve --workers 2`
are: a browser signed in on one is signed in on the other, and a bot chat or a role-play started
on one continues on the other, request by request, as if there were one process.

Two servers on their own ports rather than one with two workers, so which process answers each
request is chosen here, not by the kernel's accept queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from heard.cli import app as cli
from heard.service.local import local_server

_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
GOOD_LISTENER = yaml.safe_load(
    (Path(__file__).parents[1] / "training" / "scripts.yaml").read_text(encoding="utf-8")
)["delayed-order"]["good"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], str]]:
    db = str(tmp_path_factory.mktemp("workers") / "shared.db")
    made = CliRunner().invoke(cli, ["keys", "create", "ops", "--role", "admin", "--db", db])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    with local_server(db) as first, local_server(db) as second:
        yield [first.base, second.base], key


def test_a_browser_signed_in_on_one_worker_is_signed_in_on_the_other(
    servers: tuple[list[str], str],
) -> None:
    (one, other), key = servers
    form = httpx.get(f"{one}/login")
    token = _LOGIN_TOKEN.search(form.text)
    assert token, "the sign-in form has no token"
    signed_in = httpx.post(
        f"{one}/login",
        data={"key": key, "next": "/followups", "login_token": token.group(1)},
        cookies=form.cookies,
    )
    assert signed_in.status_code == 303, signed_in.text
    cookies = signed_in.cookies
    page = httpx.get(f"{other}/followups", cookies=cookies)
    assert page.status_code == 200 and "Follow-ups" in page.text  # not sent to /login
    csrf = _CSRF.search(page.text)
    assert csrf
    signed_out = httpx.post(f"{other}/logout", data={"csrf": csrf.group(1)}, cookies=cookies)
    assert signed_out.status_code == 303
    again = httpx.get(f"{one}/followups", cookies=cookies)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_a_bot_chat_moves_between_workers(servers: tuple[list[str], str]) -> None:
    bases, _ = servers
    opened = httpx.post(f"{bases[0]}/v1/bot/sessions", json={"customer_id": "cust-1"}, timeout=30)
    assert opened.status_code == 201, opened.text
    session_id, token = opened.json()["session_id"], opened.json()["token"]
    messages = [
        "Hi, where is my parcel? It was due yesterday.",
        "It's order 55120.",
        "I still haven't had any email about it.",
        "That didn't help, I need it for Saturday.",
    ]
    turn_ids = []
    for k, text in enumerate(messages):
        reply = httpx.post(
            f"{bases[(k + 1) % 2]}/v1/bot/sessions/{session_id}/messages",
            json={"text": text},
            headers={"X-Bot-Token": token},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        turn_ids.append(reply.json()["turn_id"])
    # Every message was taken once, in order, whichever process answered.
    assert turn_ids == [f"t{2 * k + 3}" for k in range(len(messages))]  # t1 is the greeting


def test_a_role_play_moves_between_workers(servers: tuple[list[str], str]) -> None:
    bases, key = servers
    headers = {"Authorization": f"Bearer {key}"}
    started = httpx.post(
        f"{bases[1]}/v1/training/sessions",
        json={"scenario_id": "delayed-order", "seed": 5},
        headers=headers,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    for k, line in enumerate(GOOD_LISTENER):
        turn = httpx.post(
            f"{bases[k % 2]}/v1/training/sessions/{session_id}/turns",
            json={"text": line},
            headers=headers,
            timeout=30,
        )
        assert turn.status_code == 200, turn.text
    ended = httpx.post(
        f"{bases[0]}/v1/training/sessions/{session_id}/end", headers=headers, timeout=30
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["debrief"]["outcome"] == "resolved"


def test_servers_on_separate_databases_share_nothing(tmp_path: Path) -> None:
    # Guards the tests above against passing for another reason than the shared database.
    first_db, second_db = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    with local_server(first_db) as first, local_server(second_db) as second:
        opened = httpx.post(f"{first.base}/v1/bot/sessions", json={}, timeout=30).json()
        elsewhere = httpx.post(
            f"{second.base}/v1/bot/sessions/{opened['session_id']}/messages",
            json={"text": "hello"},
            headers={"X-Bot-Token": opened["token"]},
            timeout=30,
        )
        assert elsewhere.status_code == 404
