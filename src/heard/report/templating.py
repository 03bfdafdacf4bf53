"""The Jinja settings every self-contained HTML report of heard shares."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def html_environment(package: str) -> Environment:
    """An environment for the templates in ``package``'s ``templates`` folder: every value
    escaped, a missing one an error rather than an empty string."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
