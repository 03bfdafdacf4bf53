"""The bundled example shop KB, indexed once per test process, and a bot over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heard.bot import Bot, KBIndex, PolicyConfig, Thresholds, load_knowledge_base
from heard.bot.library import bundled_source
from service.conftest import Api


@pytest.fixture(scope="session")
def shop_index() -> KBIndex:
    return KBIndex.build(load_knowledge_base(bundled_source("shop"), name="shop"))


@pytest.fixture
def bot(shop_index: KBIndex) -> Bot:
    return Bot(shop_index)


def bot_with(index: KBIndex, **thresholds: float) -> Bot:
    """A bot whose thresholds are fixed by the test (so a decision does not hang on a score)."""
    base = index.thresholds.model_dump()
    base.update(thresholds)
    return Bot(index, policy=PolicyConfig(thresholds=Thresholds(**base)))


@pytest.fixture(autouse=True)
def _private_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Imported KBs and caches go to a temporary folder, never the user's home."""
    from heard.bot.library import forget

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    forget()
    yield
    forget()


def start(api: Api) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Open a chat through the public API: its id, the token header, the whole answer."""
    response = api.post("/v1/bot/sessions", who=None, json={"customer_id": "cust-77"})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["session_id"], {"X-Bot-Token": body["token"]}, body


def say(api: Api, session_id: str, token: dict[str, str], text: str) -> Any:
    return api.post(
        f"/v1/bot/sessions/{session_id}/messages", who=None, headers=token, json={"text": text}
    )
