"""Optional: have a language model rephrase suggestions more fluently. Off by default.

Set ``HEARD_LLM_URL`` to an OpenAI-compatible server (a local model server such as
llama.cpp's or vLLM's: ``http://127.0.0.1:8080`` or ``…/v1`` or the full
``…/v1/chat/completions``) and ``Rewriter.from_env()`` returns a rewriter; unset, it returns
None and nothing leaves the machine. ``HEARD_LLM_MODEL`` names the model (default ``local``),
``HEARD_LLM_TIMEOUT`` the time limit in seconds (default 2), ``HEARD_LLM_API_KEY`` a bearer
token if the server wants one.

The model may only rephrase. Its text is rejected, and the deterministic text kept, when it
adds a number or a name that is not in the suggestion or the customer words it stands on, when
it is empty or much longer, or on any error or timeout. The session never waits for it: a
server sends the deterministic update first and the rewritten suggestions after, if any.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from heard.assist.models import AssistUpdate, Suggestion, SuggestionKind
from heard.listening.features import STOPWORDS
from heard.listening.text import words

log = logging.getLogger(__name__)

ENV_URL = "HEARD_LLM_URL"
ENV_MODEL = "HEARD_LLM_MODEL"
ENV_TIMEOUT = "HEARD_LLM_TIMEOUT"
ENV_KEY = "HEARD_LLM_API_KEY"
DEFAULT_TIMEOUT = 2.0
# The checklist is structured data, shown as it is.
REWRITABLE = frozenset(
    {SuggestionKind.PARAPHRASE, SuggestionKind.CLARIFYING_QUESTION, SuggestionKind.EMPATHY_OPENER}
)
SYSTEM_PROMPT = (
    "You rephrase one line a customer-service agent is about to say, so it sounds natural, "
    "warm and plain. Keep every fact exactly as given. Do not add facts, names, numbers, dates, "
    "amounts or promises. Keep questions as questions and keep it about as long. Reply with the "
    "rephrased line only."
)
MAX_GROWTH = 2.0
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million once twice first second third fourth fifth half dozen".split()
)
_CAPITALISED = re.compile(r"[A-Z][A-Za-z'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;—–\"“(]\s*|\s-\s)$")
# Capitalised at a sentence start without being a name.
_STARTERS = frozenset(
    "just sorry thanks thank please could can would will let let's that's it's i'm i'll i've "
    "i'd okay ok great so before after to what when where which how why is are do does did "
    "have has we you your our this that these those there here yes no of in on at for and but "
    "hello hi understood absolutely certainly sure right totally completely really oh".split()
)


@dataclass(frozen=True)
class RewriteResult:
    text: str
    accepted: bool
    reason: str | None = None


def rejection_reason(source: str, candidate: str, grounding: Iterable[str] = ()) -> str | None:
    """Why a rewrite of ``source`` must not be used, or None when it only rephrases.

    Numbers (as digits or words) and capitalised words (names, places, products) must all be
    found in the source text or the customer quotes it is grounded in.
    """
    text = candidate.strip()
    if not text:
        return "empty"
    if len(text) > MAX_GROWTH * len(source) + 40:
        return "much longer than the original"
    allowed_text = " ".join([source, *grounding])
    allowed_numbers = set(_NUMBER.findall(allowed_text))
    for number in _NUMBER.findall(text):
        if number not in allowed_numbers:
            return f"adds the number {number}"
    allowed_words = set(words(allowed_text))
    for word in words(text):
        if word in NUMBER_WORDS and word not in allowed_words:
            return f"adds the number “{word}”"
    for match in _CAPITALISED.finditer(text):
        name = match.group()
        lowered = name.lower().replace("’", "'")
        if name == "I" or lowered in allowed_words:
            continue
        at_start = _SENTENCE_START.search(text, 0, match.start()) is not None
        if at_start and (lowered in _STARTERS or lowered in STOPWORDS):
            continue
        return f"adds the name “{name}”"
    return None


class Rewriter:
    """Rephrases suggestions through an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        url: str,
        *,
        model: str = "local",
        timeout: float = DEFAULT_TIMEOUT,
        api_key: str | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = endpoint(url)
        self.model = model
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._transport = transport
        self._async_transport = async_transport
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Rewriter | None:
        """A rewriter when ``HEARD_LLM_URL`` is set, else None (the default: off)."""
        env = os.environ if environ is None else environ
        url = env.get(ENV_URL, "").strip()
        if not url:
            return None
        try:
            timeout = float(env.get(ENV_TIMEOUT, DEFAULT_TIMEOUT))
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return cls(
            url,
            model=env.get(ENV_MODEL, "local") or "local",
            timeout=timeout,
            api_key=env.get(ENV_KEY) or None,
            **options,
        )

    # --- one text -------------------------------------------------------------------------

    def rewrite_text(self, text: str, grounding: Iterable[str] = ()) -> RewriteResult:
        try:
            response = self._sync_client().post(self.url, json=self._payload(text))
            candidate = _content(response)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            log.info("language-model rewrite failed, keeping the original: %s", error)
            return RewriteResult(text, False, f"failed: {type(error).__name__}")
        return _judge(text, candidate, grounding)

    async def arewrite_text(self, text: str, grounding: Iterable[str] = ()) -> RewriteResult:
        try:
            response = await self._asyncio_client().post(self.url, json=self._payload(text))
            candidate = _content(response)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            log.info("language-model rewrite failed, keeping the original: %s", error)
            return RewriteResult(text, False, f"failed: {type(error).__name__}")
        return _judge(text, candidate, grounding)

    # --- suggestions and updates ----------------------------------------------------------

    def rewrite(self, suggestion: Suggestion) -> Suggestion:
        if suggestion.kind not in REWRITABLE or suggestion.rewritten:
            return suggestion
        result = self.rewrite_text(suggestion.text, [g.quote for g in suggestion.grounded_in])
        return _apply(suggestion, result)

    async def arewrite(self, suggestion: Suggestion) -> Suggestion:
        if suggestion.kind not in REWRITABLE or suggestion.rewritten:
            return suggestion
        result = await self.arewrite_text(
            suggestion.text, [g.quote for g in suggestion.grounded_in]
        )
        return _apply(suggestion, result)

    def rewrite_update(self, update: AssistUpdate) -> AssistUpdate:
        return update.model_copy(
            update={"suggestions": [self.rewrite(s) for s in update.suggestions]}
        )

    async def arewrite_update(self, update: AssistUpdate) -> AssistUpdate:
        rewritten = await asyncio.gather(*(self.arewrite(s) for s in update.suggestions))
        return update.model_copy(update={"suggestions": list(rewritten)})

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    # --- internals ------------------------------------------------------------------------

    def _payload(self, text: str) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": text},
            ],
            "temperature": 0,
            "max_tokens": 160,
            "stream": False,
        }

    def _sync_client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout, headers=self._headers, transport=self._transport
            )
        return self._client

    def _asyncio_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                timeout=self.timeout, headers=self._headers, transport=self._async_transport
            )
        return self._async_client


def endpoint(url: str) -> str:
    """The chat-completions URL from a server's base URL, its /v1, or the full path."""
    base = url.strip().rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return base + "/chat/completions"
    return base + "/v1/chat/completions"


def _content(response: httpx.Response) -> str:
    response.raise_for_status()
    data = response.json()
    content = data["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise TypeError("the model's message content is not text")
    # Models like to wrap a line in quotes.
    return content.strip().strip('"“”').strip()


def _judge(text: str, candidate: str, grounding: Iterable[str]) -> RewriteResult:
    reason = rejection_reason(text, candidate, grounding)
    if reason is not None:
        log.info("language-model rewrite rejected (%s): %r", reason, candidate)
        return RewriteResult(text, False, reason)
    return RewriteResult(candidate, True)


def _apply(suggestion: Suggestion, result: RewriteResult) -> Suggestion:
    if not result.accepted or result.text == suggestion.text:
        return suggestion
    return suggestion.model_copy(
        update={"text": result.text, "rewritten": True, "original_text": suggestion.text}
    )
