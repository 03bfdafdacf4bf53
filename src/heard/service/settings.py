"""How the server runs: every setting has a safe default and an environment variable.

Secrets (webhook signing keys) come only from the environment or the caller, never from the
command line, so they do not end up in shell history or process listings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

MEGABYTE = 1024 * 1024


class SettingsError(ValueError):
    """A setting that cannot be used, named with what is wrong."""


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        default=None, description="Database URL or SQLite path; None means HEARD_DB or the default."
    )
    max_upload_bytes: int = Field(default=10 * MEGABYTE, gt=0)
    max_page_size: int = Field(default=200, gt=0)
    cors_origins: tuple[str, ...] = Field(
        default=(), description="Origins allowed by CORS; none by default (closed)."
    )
    redact: bool = Field(default=True, description="Redact PII before anything is stored.")
    redaction_config: Path | None = None
    rubric: Path | None = None
    followup_rules: Path | None = None
    chatwoot_secret: SecretStr | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signing key of the generic incoming webhook."
    )
    webhook_tolerance_seconds: int = Field(default=300, gt=0)
    outgoing_webhook_url: str | None = None
    outgoing_webhook_secret: SecretStr | None = None
    outgoing_events: tuple[str, ...] = ("analysis.ready", "followup.due", "nudge")
    survey_rate_per_minute: int = Field(
        default=30, gt=0, description="Public survey requests allowed per client per minute."
    )
    live_sessions: int = Field(
        default=10_000, gt=0, description="Live conversations kept in memory for webhooks."
    )
    dispatch_interval_seconds: float = Field(default=2.0, gt=0)
    analysis_workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Processes that analyse uploads and resolved conversations (0: in-thread).",
    )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ServiceSettings:
        """Settings from ``HEARD_*`` environment variables, then ``overrides`` (CLI options)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        names = {
            "database_url": "HEARD_DB",
            "max_upload_bytes": "HEARD_MAX_UPLOAD_BYTES",
            "cors_origins": "HEARD_CORS_ORIGINS",
            "redact": "HEARD_REDACT",
            "redaction_config": "HEARD_REDACTION_CONFIG",
            "rubric": "HEARD_RUBRIC",
            "followup_rules": "HEARD_FOLLOWUP_RULES",
            "chatwoot_secret": "HEARD_CHATWOOT_SECRET",
            "webhook_secret": "HEARD_WEBHOOK_SECRET",
            "outgoing_webhook_url": "HEARD_OUTGOING_WEBHOOK_URL",
            "outgoing_webhook_secret": "HEARD_OUTGOING_WEBHOOK_SECRET",
            "outgoing_events": "HEARD_OUTGOING_EVENTS",
            "survey_rate_per_minute": "HEARD_SURVEY_RATE",
            "analysis_workers": "HEARD_ANALYSIS_WORKERS",
        }
        for field, variable in names.items():
            raw = env.get(variable)
            if raw is None or raw == "":
                continue
            if field in {"cors_origins", "outgoing_events"}:
                values[field] = tuple(part.strip() for part in raw.split(",") if part.strip())
            elif field == "redact":
                values[field] = raw.strip().lower() not in {"0", "false", "no", "off"}
            else:
                values[field] = raw
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise SettingsError(f"invalid server settings: {problems}") from None
