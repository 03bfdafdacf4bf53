"""The bot's public rate limit holds across workers: two app instances on one database stand in
for two workers of ``heard serve --workers 2``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from heard.bot import KBIndex
from heard.store.models import RateLimitHit
from heard.store.ratelimits import digest
from service.conftest import Api, is_problem, make_api, second_worker  # noqa: F401

from .conftest import say, start


def test_two_workers_share_the_bot_rate_limit(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each worker builds its bot from the environment, as `heard serve` does.
    monkeypatch.setenv("HEARD_BOT_RATE", "3")
    monkeypatch.setattr("heard.bot.library.open_index", lambda _name: shop_index)
    first = make_api()
    other = second_worker(first)
    session_id, token, _ = start(first)
    assert say(other, session_id, token, "hello").status_code == 200
    assert say(first, session_id, token, "hello").status_code == 200
    for api in (other, first):
        limited = is_problem(say(api, session_id, token, "hello"), 429, "rate_limited")
        assert limited
        assert 1 <= int(say(api, session_id, token, "hi").headers["Retry-After"]) <= 60
    is_problem(other.post("/v1/bot/sessions", who=None, json={}), 429, "rate_limited")
    with first.database.session() as session:
        keys = set(session.scalars(select(RateLimitHit.key).where(RateLimitHit.scope == "bot")))
    assert keys == {digest("testclient")}  # the test client's address, hashed
