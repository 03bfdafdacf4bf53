"""What every request handler shares: settings, the database, the rubric, the redactor."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from heard.service.live import LiveConversations
from heard.service.ratelimit import RateLimiter
from heard.service.settings import ServiceSettings
from heard.store import Database

if TYPE_CHECKING:
    from heard.analysis import Analysis
    from heard.assist.rewrite import Rewriter
    from heard.conversation import Conversation
    from heard.feedback.followups import FollowUpRules
    from heard.redaction import Redactor
    from heard.scoring import Rubric
    from heard.service.analyzer import Analyzer


@dataclass
class ServiceContext:
    settings: ServiceSettings
    database: Database
    survey_limiter: RateLimiter = field(init=False)
    live: LiveConversations = field(init=False)
    ready: bool = False

    def __post_init__(self) -> None:
        self.survey_limiter = RateLimiter(
            self.settings.survey_rate_per_minute, 60.0, database=self.database, scope="survey"
        )
        self.live = LiveConversations(self.settings.live_sessions)

    @cached_property
    def rubric(self) -> Rubric:
        from heard.scoring import load_rubric

        return load_rubric(self.settings.rubric)

    @cached_property
    def analyzer(self) -> Analyzer:
        from heard.service.analyzer import Analyzer

        return Analyzer(self.rubric, self.settings.analysis_workers)

    def analyze(self, conversation: Conversation) -> Analysis:
        return self.analyzer.analyze(conversation)

    @cached_property
    def followup_rules(self) -> FollowUpRules:
        from heard.feedback.followups import load_rules

        return load_rules(self.settings.followup_rules)

    @cached_property
    def wanted_events(self) -> tuple[str, ...]:
        """Events worth writing to the outbox: none when no receiver is configured."""
        return self.settings.outgoing_events if self.settings.outgoing_webhook_url else ()

    @cached_property
    def rewriter(self) -> Rewriter | None:
        """The optional language model that rephrases suggestions (``HEARD_LLM_URL``)."""
        from heard.assist.rewrite import Rewriter

        return Rewriter.from_env()

    @cached_property
    def _redactor(self) -> Redactor | None:
        if not self.settings.redact:
            return None
        from heard.redaction import RedactionConfig, Redactor, load_config

        config = (
            load_config(self.settings.redaction_config)
            if self.settings.redaction_config
            else RedactionConfig()
        )
        return Redactor(config)

    def redact(self, conversation: Conversation) -> Conversation:
        """The conversation as it may be stored: PII replaced by its type, unless turned off."""
        redactor = self._redactor
        return conversation if redactor is None else redactor.redact_conversation(conversation)

    def warm_up(self) -> None:
        """Load models, rubric and rules before the first request rather than during it."""
        from heard.listening.resources import warm_up

        warm_up()
        _ = self.rubric, self.followup_rules, self._redactor
        self.analyzer.start()
        self.ready = True

    def close(self) -> None:
        if "analyzer" in self.__dict__:
            self.analyzer.close()
