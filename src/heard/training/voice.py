"""Optional: an OpenAI-compatible language model voices the customer more freely. Off by default.

The state machine still decides everything (what is revealed, how they feel, whether it is
resolved); the model only rephrases the line in the persona's voice. It reuses the assistant's
client and guards (:mod:`heard.assist.rewrite`): ``HEARD_LLM_URL`` turns it on, and a rewrite
that adds a number or a name not in the line or the scenario, grows too long, fails or times
out is dropped for the phrase-bank line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heard.assist.rewrite import Rewriter
from heard.training.scenario import Scenario

PERSONA_PROMPT = (
    "You voice a customer in a customer-service role-play. Rephrase the customer's next line so "
    "it sounds like this person: {persona}. Their style: {style}. Keep every fact exactly as "
    "given; do not add facts, names, numbers, dates, amounts or requests. Keep questions as "
    "questions and keep it about as long. Reply with the line only."
)


class CustomerVoice(Rewriter):
    """Rephrases customer lines through ``HEARD_LLM_URL``; see :class:`Rewriter` for the set-up."""

    _scenario: Scenario | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **options: Any
    ) -> CustomerVoice | None:
        voice = super().from_env(environ, **options)
        return voice if isinstance(voice, CustomerVoice) else None

    def voice(self, text: str, scenario: Scenario) -> str:
        self._scenario = scenario
        grounding = [
            scenario.persona.name,
            *scenario.opening,
            *(line for fact in scenario.facts for line in fact.says),
            *(line for concern in scenario.concerns for line in concern.says),
        ]
        return self.rewrite_text(text, grounding).text

    def _payload(self, text: str) -> dict[str, Any]:
        payload = super()._payload(text)
        scenario = self._scenario
        if scenario is not None:
            payload["messages"][0]["content"] = PERSONA_PROMPT.format(
                persona=scenario.persona.description, style=scenario.persona.style or "plain"
            )
        payload["temperature"] = 0.7  # variety is the point here; the guards keep it honest
        return payload
