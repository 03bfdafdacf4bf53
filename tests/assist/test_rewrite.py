"""The optional language-model rewrite: off by default, only rephrases, falls back on any
problem. Tested against a fake server (httpx.MockTransport), never the network."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from heard.assist import Grounding, Suggestion, SuggestionKind
from heard.assist.rewrite import Rewriter, endpoint, rejection_reason

from .conftest import kinds, session_for

PARAPHRASE = Suggestion(
    kind=SuggestionKind.PARAPHRASE,
    text="Just to confirm: your order #48213 still hasn't arrived and you need it for Saturday "
    "— is that right?",
    grounded_in=[
        Grounding(turn_id="t1", quote="My order #48213 still hasn't arrived."),
        Grounding(turn_id="t2", quote="I need it for Saturday."),
    ],
)


def server(reply: str | Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if callable(reply):
            return reply(request)
        return httpx.Response(200, json={"choices": [{"message": {"content": reply}}]})

    transport = httpx.MockTransport(handle)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def test_off_unless_configured() -> None:
    assert Rewriter.from_env({}) is None
    assert Rewriter.from_env({"HEARD_LLM_URL": "  "}) is None
    rewriter = Rewriter.from_env(
        {
            "HEARD_LLM_URL": "http://127.0.0.1:8080",
            "HEARD_LLM_MODEL": "qwen",
            "HEARD_LLM_TIMEOUT": "x",
        }
    )
    assert rewriter is not None
    assert rewriter.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert rewriter.model == "qwen" and rewriter.timeout == 2.0


def test_endpoint_forms() -> None:
    assert endpoint("http://h:1/v1") == "http://h:1/v1/chat/completions"
    assert endpoint("http://h:1/v1/chat/completions/") == "http://h:1/v1/chat/completions"
    assert endpoint("http://h:1/") == "http://h:1/v1/chat/completions"


def test_an_honest_rephrasing_is_used() -> None:
    transport = server(
        "“So your order #48213 hasn't turned up yet, and you need it by Saturday — have I got that right?”"
    )
    rewriter = Rewriter("http://llm.invalid", transport=transport, api_key="k")
    result = rewriter.rewrite(PARAPHRASE)
    assert result.rewritten and result.original_text == PARAPHRASE.text
    assert result.text.startswith("So your order #48213 hasn't turned up yet")
    request = transport.seen[0]  # type: ignore[attr-defined]
    body = json.loads(request.content)
    assert body["messages"][-1]["content"] == PARAPHRASE.text
    assert body["temperature"] == 0
    assert request.headers["authorization"] == "Bearer k"


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (
            "Just to confirm: your order #48213 from the 3rd hasn't arrived — right?",
            "adds the number 3",
        ),
        (
            "Just to confirm: your order #48213 hasn't arrived and you need it in two days?",
            "adds the number “two”",
        ),
        (
            "Just to confirm: your Amazon order #48213 hasn't arrived — right?",
            "adds the name “Amazon”",
        ),
        (
            "Sarah, your order #48213 hasn't arrived and you need it for Saturday?",
            "adds the name “Sarah”",
        ),
        ("", "empty"),
        ("Sure! " * 60, "much longer than the original"),
    ],
)
def test_a_rewrite_that_adds_facts_is_rejected(candidate: str, reason: str) -> None:
    grounding = [g.quote for g in PARAPHRASE.grounded_in]
    assert rejection_reason(PARAPHRASE.text, candidate, grounding) == reason
    rewriter = Rewriter("http://llm.invalid", transport=server(candidate))
    assert rewriter.rewrite(PARAPHRASE) == PARAPHRASE


def test_names_and_numbers_from_the_customer_are_allowed() -> None:
    source = "I'm sorry your order hasn't arrived."
    assert (
        rejection_reason(source, "Sorry Priya, order 48213 hasn't arrived.", ["Priya: 48213"])
        is None
    )
    assert rejection_reason(source, "I'm so sorry. Your order hasn't arrived.") is None


@pytest.mark.parametrize(
    "failure",
    [
        lambda request: httpx.Response(500, json={"error": "overloaded"}),
        lambda request: httpx.Response(200, content=b"not json"),
        lambda request: httpx.Response(200, json={"choices": []}),
        lambda request: httpx.Response(200, json={"choices": [{"message": {"content": None}}]}),
    ],
)
def test_falls_back_on_any_error(failure: Callable[[httpx.Request], httpx.Response]) -> None:
    rewriter = Rewriter("http://llm.invalid", transport=server(failure))
    assert rewriter.rewrite(PARAPHRASE) == PARAPHRASE


def test_falls_back_on_timeout() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    rewriter = Rewriter("http://llm.invalid", transport=server(slow), timeout=0.05)
    result = rewriter.rewrite_text(PARAPHRASE.text)
    assert not result.accepted and result.reason == "failed: ReadTimeout"
    assert result.text == PARAPHRASE.text


def test_rewrites_an_update_but_never_the_checklist() -> None:
    _, updates = session_for(
        [
            ("customer", "I'm so annoyed, my refund for the jacket still hasn't arrived."),
            ("agent", "I've refunded the jacket to your card just now."),
            ("customer", "Why did it take three weeks?"),
        ]
    )
    update = updates[-1]
    assert "closing_checklist" in kinds(update)
    transport = server("A gentler line.")
    rewritten = Rewriter("http://llm.invalid", transport=transport).rewrite_update(update)
    for before, after in zip(update.suggestions, rewritten.suggestions, strict=True):
        if before.kind is SuggestionKind.CLOSING_CHECKLIST:
            assert after == before
        else:
            assert after.rewritten and after.text == "A gentler line."
    rewritable = sum(
        1 for s in update.suggestions if s.kind is not SuggestionKind.CLOSING_CHECKLIST
    )
    assert len(transport.seen) == rewritable  # type: ignore[attr-defined]


def test_async_rewrite() -> None:
    rewriter = Rewriter(
        "http://llm.invalid",
        async_transport=server("So your order #48213 hasn't arrived and you need it for Saturday?"),
    )

    async def run() -> Suggestion:
        try:
            return await rewriter.arewrite(PARAPHRASE)
        finally:
            await rewriter.aclose()

    result = asyncio.run(run())
    assert result.rewritten
    assert result.text == "So your order #48213 hasn't arrived and you need it for Saturday?"
