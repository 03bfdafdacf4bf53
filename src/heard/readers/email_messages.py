"""E-mail: single RFC 822 messages (``email``) and mailboxes of many (``mbox``).

Only what each message newly says is kept. The body is the text/plain part, else the HTML part
as text (quoted ``<blockquote>``/``gmail_quote`` blocks and signature elements dropped first).
The quoted history is cut with ``mail-parser-reply`` (its "On … wrote:" and "From: … Sent: …"
patterns in a dozen languages) and then with heard's own line rules: '>'-quoted lines and the
attribution above them go (text written between quotes, an inline answer, stays); the text is
cut at an unquoted original ("-----Original Message-----", an Outlook/Gmail "From: … Sent/Date:"
block, a line of underscores, a forwarded-message marker); and the signature goes ("-- ",
"Sent from my iPhone", "Get Outlook for …", "-Name", a closing "Best regards,"/"Thanks,"
block of a few short lines).

Threads (mbox): messages sharing Message-ID / In-Reply-To / References links are one
conversation; a message without links whose subject is a reply ("Re:", "Fwd:", "AW:", "SV:" …)
joins the earlier thread with the same subject. Messages are ordered by Date. Roles: addresses
(or names) in ``--agent``/``--customer`` decide; a sender sharing the domain of an address given
as an agent is an agent; otherwise the sender of the first message is the customer and any other
sender the agent (``metadata.roles_inferred`` then says so).

The ``email`` reader also takes a bare message body with no headers (a .txt of a reply) when
the format is named explicitly; it becomes one customer turn. Memory: a single message is read
whole; an mbox is streamed one raw message at a time, keeping only each message's headers and
new text until the threads are built.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage as MimeMessage
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any, BinaryIO

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

from heard.conversation import Channel, Conversation, Role, Turn
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source, decode_text
from heard.readers.normalize import as_datetime, build_conversation, clean_text, html_to_text
from heard.readers.registry import register

__all__ = ["EmailReader", "MboxReader", "reply_text"]

# Beyond this a "reply" is not a message someone typed; the quoted tail is cut before parsing
# so that no pattern ever runs over megabytes.
_MAX_BODY_CHARS = 200_000
_MAX_MESSAGE_BYTES = 64 * 2**20
_MAX_HTML_DEPTH = 200
_MAX_HTML_SIBLINGS = 2000

_KNOWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "reply-to",
        "sender",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "received",
        "return-path",
        "delivered-to",
        "x-mailer",
        "user-agent",
    }
)
_DEFINING_HEADERS = frozenset({"from", "subject", "date", "message-id"})
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,76}):(?:[ \t]|$)")
_FROM_LINE = re.compile(
    rb"^From \S+\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    rb"|Nov|Dec)\s+\d{1,2}\s+\d{1,2}:\d{2}"
)
_ESCAPED_FROM = re.compile(rb"^>+From ")

# --- reply extraction -------------------------------------------------------------------------

_QUOTED = re.compile(r"^[ \t]*>")
_ON_WROTE = re.compile(
    r"^\s*(?:On|Le|Am|El|Il|Op|Den|Dne|W dniu|På|Em|Da)\b.{1,300}?"
    r"(?:wrote|a écrit|schrieb|escribió|ha scritto|schreef|skrev|napsal|napisał|escreveu)"
    r"(?:\s+\S.{0,120}?)?\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SOMEONE_WROTE = re.compile(
    r"^.{1,200}\b(?:wrote|writes|a écrit|schrieb|escribió|ha scritto|schreef|skrev)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Forwarded message|Message d'origine|Message transféré"
    r"|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Mensaje original|Mensaje reenviado"
    r"|Messaggio originale|Messaggio inoltrato|Oorspronkelijk bericht|Doorgestuurd bericht"
    r"|Originalmeddelande|Vidarebefordrat meddelande|Mensagem original|Mensagem encaminhada)"
    r"\s*-*|Begin forwarded message:?|Début du message réexpédié\s*:?"
    r"|Anfang der weitergeleiteten Nachricht:?|_{20,}|\*{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Da|Van|Från|Fra|Od)\*?\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Date d'envoi|Enviado|Fecha|Inviato|Data"
    r"|Verzonden|Skickat|Sendt|Wysłano|Odesláno|Subject|Betreff|Objet|Asunto|Oggetto"
    r"|Onderwerp|Ämne|Emne|Temat|Předmět|Assunto)\*?\s*:",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^\s*(?:--|—|__)\s*$")
_DEVICE_FOOTER = re.compile(
    r"^\s*(?:Sent from|Sent with|Sent via|Sent using|Get Outlook for|Envoyé de|Envoyé depuis"
    r"|Von meinem .{1,40} gesendet|Gesendet von|Enviado desde|Enviado do|Inviato da"
    r"|Verzonden (?:vanaf|met)|Skickat från|Sendt fra)\b.{0,100}$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:many|warm(?:est)?|kind(?:est)?|best|with)\s+)?(?:thanks|thank you|thx|regards"
    r"|best regards|kind regards|warm regards|best wishes|cheers|sincerely|yours sincerely"
    r"|sincerely yours|yours truly|yours|all the best|best|respectfully|take care|cordialement"
    r"|bien (?:à vous|cordialement)|salutations|mit freundlichen grüßen|mfg|viele grüße"
    r"|beste grüße|liebe grüße|grüße|gruß|saludos|saludos cordiales|un saludo|atentamente"
    r"|cordiali saluti|distinti saluti|saluti|met vriendelijke groet(?:en)?|groeten"
    r"|med vänlig hälsning|vänliga hälsningar|hälsningar|med venlig hilsen|mvh)"
    r"(?:\s+(?:so much|again|in advance|a lot|very much))?[\s,.!]*"
    r"(?:[-–—]?\s*(?-i:[A-Z][\w'.-]*)(?:\s+(?-i:[A-Z][\w'.-]*)){0,2})?\s*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^\s*[-–—~]\s?[A-Z][\w'.]*(?:\s[A-Z][\w'.]*){0,3}\s*$")
_SIGNATURE_TAIL_LINES = 6
_SIGNATURE_LINE_CHARS = 60


def _reply_languages() -> tuple[list[str], list[re.Pattern[str]]]:
    """mail-parser-reply's languages, and its "On … wrote:" pattern in each."""
    try:
        from mailparser_reply.constants import MAIL_LANGUAGES
    except ImportError:  # pragma: no cover - a dependency; heard's own rules still apply
        return [], []
    patterns = []
    for rules in MAIL_LANGUAGES.values():
        wrote = rules.get("wrote_header")
        if isinstance(wrote, str):
            try:
                patterns.append(re.compile(wrote, re.IGNORECASE | re.MULTILINE))
            except re.error:  # pragma: no cover
                continue
    return [str(language) for language in MAIL_LANGUAGES], patterns


_LANGUAGES, _WROTE_PATTERNS = _reply_languages()


def _plausible_header(header: str) -> bool:
    """Whether a header block the library cut at looks like a quoted message's, not prose."""
    lines = header.split("\n")
    if any(pattern.search(header) for pattern in _WROTE_PATTERNS):
        return True
    if any(_ORIGINAL_MARKER.match(line) for line in lines):
        return True
    return "@" in header or any(_HEADER_NEXT.match(line) for line in lines[1:])


def _library_top(text: str) -> str | None:
    """The text above the first quoted-reply header mail-parser-reply finds; None when the
    message starts with such a header (inline answers, or nothing new) or the library fails."""
    if not _LANGUAGES:
        return None
    try:
        from mailparser_reply import EmailMessage

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = EmailMessage(text=text, languages=list(_LANGUAGES), keep_hyphen_lists=True)
            parsed.read()
        replies = parsed.replies
        if not replies or replies[0].headers:
            return None
        if len(replies) > 1 and not _plausible_header(str(replies[1].headers)):
            return None  # e.g. "From: London / To: Paris" in a customer's own text
        return str(replies[0].content)
    except Exception:  # a third-party parser on arbitrary text: heard's own rules take over
        return None


def _is_attribution(lines: Sequence[str], index: int) -> int:
    """How many lines (1 or 2) an "On … wrote:" attribution starting at ``index`` spans; 0 if
    the line starts none."""
    line = lines[index]
    if len(line) > 400:
        return 0
    if _ON_WROTE.match(line):
        return 1
    if index + 1 < len(lines) and not _QUOTED.match(lines[index + 1]):
        joined = f"{line}\n{lines[index + 1]}"
        if len(joined) <= 400 and _ON_WROTE.match(joined) and line.lstrip()[:2].lower() == "on":
            return 2
    return 0


def _next_content(lines: Sequence[str], index: int) -> str | None:
    for line in lines[index:]:
        if line.strip():
            return line
    return None


def _is_header_block(lines: Sequence[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    return any(_HEADER_NEXT.match(line) for line in lines[index + 1 : index + 5])


def _drop_quoted(lines: list[str]) -> list[str]:
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _QUOTED.match(line):
            index += 1
            continue
        span = _is_attribution(lines, index)
        if span:
            following = _next_content(lines, index + span)
            if following is None or not _QUOTED.match(following):
                break  # the quoted original follows unmarked: nothing new after this
            index += span
            continue
        if _ORIGINAL_MARKER.match(line) or _is_header_block(lines, index):
            break
        if _SOMEONE_WROTE.match(line):
            following = _next_content(lines, index + 1)
            if following is not None and _QUOTED.match(following):
                index += 1
                continue
        kept.append(line)
        index += 1
    return kept


def _drop_signature(lines: list[str]) -> list[str]:
    content = [index for index, line in enumerate(lines) if line.strip()]
    if not content:
        return lines
    first = content[0]
    for index in content:
        line = lines[index]
        if (_SIGNATURE_DELIMITER.match(line) and index != first) or _DEVICE_FOOTER.match(line):
            lines = lines[:index]
            break
    content = [index for index, line in enumerate(lines) if line.strip()]
    # A closing block: a sign-off or a "-Name" line followed by a few short lines at the end.
    for position in range(max(1, len(content) - _SIGNATURE_TAIL_LINES - 1), len(content)):
        index = content[position]
        tail = content[position + 1 :]
        if any(len(lines[other].strip()) > _SIGNATURE_LINE_CHARS for other in tail):
            continue
        line = lines[index]
        if _SIGN_OFF.match(line) or (_DASH_NAME.match(line) and len(tail) <= 3):
            return lines[:index]
    return lines


def reply_text(text: str) -> str:
    """The new text of a plain-text e-mail body: quoted history and signature removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    if len(text) > _MAX_BODY_CHARS:
        text = text[:_MAX_BODY_CHARS]
    text = clean_text(text)
    if not text:
        return ""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        # Cut here first: mail-parser-reply deletes long underscore lines before it looks.
        if _ORIGINAL_MARKER.match(line):
            lines = lines[:index]
            break
    text = "\n".join(lines)
    top = _library_top(text)
    lines = (top if top is not None else text).split("\n")
    return clean_text("\n".join(_drop_signature(_drop_quoted(lines))))


def html_reply_text(markup: str) -> str:
    """The new text of an HTML e-mail body (quote blocks and signature elements dropped)."""
    if len(markup) > 4 * _MAX_BODY_CHARS:
        markup = markup[: 4 * _MAX_BODY_CHARS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    if _strip_quotes(soup):
        return reply_text(html_to_text(str(soup)))
    # html_to_text slows down sharply on pathologically deep or wide markup: plain text will do.
    return reply_text(soup.get_text("\n"))


_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"})


def _strip_quotes(soup: BeautifulSoup) -> bool:
    """Replace quote blocks by a '>' line and drop signature elements, top down; False (and
    stop) when the markup is too deep or too wide to convert quickly."""
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        children = [child for child in node.children if isinstance(child, Tag)]
        if depth > _MAX_HTML_DEPTH or len(children) > _MAX_HTML_SIBLINGS:
            return False
        for child in children:
            raw_classes = child.get("class")
            if isinstance(raw_classes, list):
                classes = {str(name) for name in raw_classes}
            else:
                classes = set(str(raw_classes or "").split())
            names = " ".join([*classes, str(child.get("id") or "")]).lower()
            if child.name == "blockquote" or _QUOTE_CLASSES & classes:
                child.replace_with(soup.new_string("\n>\n"))
            elif "signature" in names:
                child.extract()
            else:
                stack.append((child, depth + 1))
    return True


# --- messages ---------------------------------------------------------------------------------


@dataclass
class _Mail:
    """What heard keeps of one message."""

    position: int
    location: str
    message_id: str | None
    references: list[str]
    subject: str
    address: str | None
    name: str | None
    time: datetime | None
    text: str

    @property
    def speaker(self) -> str | None:
        return self.address or self.name

    @property
    def key(self) -> str:
        return (self.address or self.name or "").lower()


def _header(message: Message, name: str) -> str:
    """A header's decoded value, '' when absent; never raises on malformed headers."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:  # the stdlib header parser raises assorted errors on broken headers
        pass
    for raw_name, raw_value in message.raw_items():
        if raw_name.lower() == name.lower():
            return " ".join(str(raw_value).split())
    return ""


def _message_ids(value: str) -> list[str]:
    found = re.findall(r"<([^<>\s]+)>", value)
    if not found:
        found = [part.strip("<>") for part in value.split()]
    return [identifier for identifier in found if identifier]


def _part_text(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, MimeMessage) else None
    except Exception:  # unknown charsets, broken transfer encodings
        content = None
    if not isinstance(content, str):
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        charset = part.get_content_charset() or "utf-8"
        try:
            content = payload.decode(charset, errors="replace")
        except LookupError:
            content = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        return html_reply_text(content)
    return reply_text(content)


def _body_text(message: MimeMessage) -> str:
    for preference in (("plain",), ("html",)):
        try:
            part = message.get_body(preferencelist=preference)
        except Exception:  # malformed MIME structure
            part = None
        if part is not None:
            text = _part_text(part)
            if text:
                return text
    if not message.is_multipart() and message.get_content_maintype() == "text":
        return _part_text(message)
    return ""


def _sender(message: Message) -> tuple[str, str]:
    """(display name, address) of the From header; either may be ''."""
    name, address = "", ""
    try:
        header = message.get("From")
        found = getattr(header, "addresses", ())
        if found:
            name, address = str(found[0].display_name), str(found[0].addr_spec)
    except Exception:  # the header parser on a malformed address: the plain parser next
        pass
    sender = _header(message, "From")
    if not address and sender:
        try:
            pairs = getaddresses([sender])
        except Exception:  # malformed address lists
            pairs = []
        if pairs:
            name, address = pairs[0]
    if "@" not in address:
        name, address = name or address.strip('"') or sender.strip(), ""
    return name, address


def _mail(data: bytes, position: int, location: str) -> _Mail:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, MimeMessage)
    name, address = _sender(message)
    message_ids = _message_ids(_header(message, "Message-ID"))
    references = _message_ids(_header(message, "References"))
    for parent in _message_ids(_header(message, "In-Reply-To")):
        if parent not in references:
            references.append(parent)
    return _Mail(
        position=position,
        location=location,
        message_id=message_ids[0] if message_ids else None,
        references=references,
        subject=" ".join(_header(message, "Subject").split()),
        address=address.strip().lower() or None,
        name=" ".join(name.split()) or None,
        time=as_datetime(_header(message, "Date")),
        text=_body_text(message),
    )


def _read_mail(data: bytes, position: int, location: str) -> _Mail | str:
    """A message, or the problem that made it unreadable."""
    try:
        return _mail(data, position, location)
    except RecursionError:
        return "message nested too deeply"
    except Exception as error:  # the stdlib email package is lenient but not total
        return f"unreadable message: {type(error).__name__}"


def _header_block(head: bytes) -> list[str]:
    """Header names at the top of ``head`` (stops at the first line that is not a header)."""
    try:
        text = decode_text(head, "<head>")
    except ReadError:
        return []
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("From "):
        lines = lines[1:]
    names: list[str] = []
    for line in lines[:200]:
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and names:
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            break
        names.append(match.group(1).lower())
    return names


def _has_headers(head: bytes, *, strict: bool) -> bool:
    names = _header_block(head)
    known = [name for name in names if name in _KNOWN_HEADERS]
    if strict:  # a .txt: only a real header block, so chat transcripts are left alone
        return len(set(known)) >= 2 and bool(_DEFINING_HEADERS & set(known))
    return bool(names) and (names[0] in _DEFINING_HEADERS or len(set(known)) >= 2)


# --- threads and roles ------------------------------------------------------------------------

_REPLY_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:re|fw|fwd|aw|wg|sv|vs|vb|antw|rv|tr|ref|réf|r|enc)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)


def _base_subject(subject: str) -> tuple[str, bool]:
    """The subject without reply/forward prefixes, lower-cased; and whether it had one."""
    text = subject
    prefixed = False
    for _ in range(20):
        match = _REPLY_PREFIX.match(text)
        if match is None or match.end() == 0:
            break
        text = text[match.end() :]
        prefixed = True
    return " ".join(text.lower().split()), prefixed


class _Threads:
    """Union-find over message ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[b] = a


def _group(mails: list[_Mail]) -> list[list[_Mail]]:
    threads = _Threads()
    nodes: list[str] = []
    by_subject: dict[str, list[str]] = {}
    for mail in mails:
        node = f"<{mail.message_id}>" if mail.message_id else f"#{mail.position}"
        nodes.append(node)
        threads.find(node)
        for reference in mail.references[-50:]:
            threads.union(node, f"<{reference}>")
        subject, prefixed = _base_subject(mail.subject)
        if subject and prefixed and not mail.references and by_subject.get(subject):
            candidates = by_subject[subject]
            threads.union(candidates[-1], node)
        if subject:
            by_subject.setdefault(subject, []).append(node)
    groups: dict[str, list[_Mail]] = {}
    for mail, node in zip(mails, nodes, strict=True):
        groups.setdefault(threads.find(node), []).append(mail)
    return list(groups.values())


def _in_order(mails: list[_Mail]) -> list[_Mail]:
    """By Date; a message without one keeps its place after the message before it in the file."""
    keyed: list[tuple[float, int, _Mail]] = []
    last = float("-inf")
    for mail in sorted(mails, key=lambda m: m.position):
        if mail.time is not None:
            last = mail.time.timestamp()
        keyed.append((last, mail.position, mail))
    return [mail for _, _, mail in sorted(keyed, key=lambda entry: entry[:2])]


def _wanted(values: frozenset[str]) -> tuple[set[str], set[str]]:
    """Lower-cased labels (addresses or names), and the domains of the addresses among them."""
    labels = {value.strip().lower() for value in values if value.strip()}
    domains = set()
    for label in labels:
        if label.startswith("@"):
            domains.add(label[1:])
        elif "@" in label:
            domains.add(label.rsplit("@", 1)[1])
    return labels, domains


def _named(mail: _Mail, labels: set[str]) -> bool:
    return (mail.address or "") in labels or (mail.name or "").lower() in labels


def _domain(mail: _Mail) -> str | None:
    return mail.address.rsplit("@", 1)[1] if mail.address and "@" in mail.address else None


def _roles(
    mails: list[_Mail], options: ReadOptions
) -> tuple[list[Role], str | None, dict[str, Any]]:
    agents, agent_domains = _wanted(options.agent)
    customers, _ = _wanted(options.customer)

    def stated(mail: _Mail) -> Role | None:
        if _named(mail, agents):
            return Role.AGENT
        if _named(mail, customers):
            return Role.CUSTOMER
        if _domain(mail) in agent_domains:
            return Role.AGENT
        return None

    customer_key = next((mail.key for mail in mails if stated(mail) is Role.CUSTOMER), None)
    if customer_key is None:
        customer_key = next((mail.key for mail in mails if stated(mail) is None), None)
    roles: list[Role] = []
    inferred: dict[str, str] = {}
    for mail in mails:
        role = stated(mail)
        if role is None:
            role = Role.CUSTOMER if mail.key == customer_key else Role.AGENT
            inferred[mail.speaker or "(unknown sender)"] = role.value
        roles.append(role)
    customer_id = next(
        (mail.speaker for mail, role in zip(mails, roles, strict=True) if role is Role.CUSTOMER),
        None,
    )
    metadata: dict[str, Any] = {}
    if inferred:
        metadata = {
            "roles_inferred": True,
            "roles_reason": "the sender of the first message was taken as the customer, "
            "other senders as the agent",
            "speaker_roles": inferred,
        }
    return roles, customer_id, metadata


def _conversation(
    source: Source, mails: list[_Mail], options: ReadOptions, fallback_id: str, all_ids: set[str]
) -> Conversation | ReadIssue:
    mails = _in_order(mails)
    first = mails[0]
    location = first.location if len(mails) == 1 else f"thread of {first.location}"
    roles, customer_id, role_metadata = _roles(mails, options)
    turns: list[Turn] = []
    empty = 0
    for mail, role in zip(mails, roles, strict=True):
        if not mail.text:
            empty += 1
            continue
        turns.append(Turn(role=role, speaker=mail.speaker, text=mail.text, time=mail.time))
    if not turns:
        problem = "the message has no text" if len(mails) == 1 else "no message in it has text"
        return ReadIssue(source.name, problem, location)
    root_id = first.references[0] if first.references else first.message_id
    metadata: dict[str, Any] = {"subject": first.subject, "messages": len(mails)}
    if first.references and any(reference not in all_ids for reference in first.references):
        metadata["partial_thread"] = True
    if empty:
        metadata["messages_without_text"] = empty
    metadata.update(role_metadata)
    agent_id = next((turn.speaker for turn in turns if turn.role is Role.AGENT), None)
    return build_conversation(
        source.name,
        location,
        lambda: Conversation(
            id=root_id or fallback_id,
            channel=Channel.EMAIL,
            agent_id=agent_id,
            customer_id=customer_id,
            metadata=metadata,
            turns=turns,
        ),
    )


def _stem(source: Source) -> str:
    stem = Path(source.name).stem.strip()
    return stem or "email"


# --- readers ----------------------------------------------------------------------------------


@register
class EmailReader(Reader):
    name = "email"
    description = "one e-mail message (RFC 822 .eml); a bare body when the format is named"
    extensions = ("eml", "txt")

    def sniff(self, source: Source) -> float:
        head = source.head()
        if source.suffix == "eml":
            if _has_headers(head, strict=False):
                return 0.95
            return 0.3 if head.strip() else 0.0
        if head.startswith(b"From ") and _FROM_LINE.match(head):
            return 0.0  # a mailbox: the mbox reader's
        return 0.9 if _has_headers(head, strict=True) else 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        data = source.read_bytes()
        if not data.strip():
            raise ReadError("file is empty", source=source.name)
        if _has_headers(data[:65536], strict=False):
            mail = _read_mail(data, 0, "message")
            if isinstance(mail, str):
                raise ReadError(mail, source=source.name)
            ids = {mail.message_id} if mail.message_id else set()
            yield _conversation(source, [mail], options, _stem(source), ids)
            return
        text = reply_text(decode_text(data, source.name))
        if not text:
            yield ReadIssue(source.name, "the message body has no new text", "body")
            return
        yield build_conversation(
            source.name,
            "body",
            lambda: Conversation(
                id=_stem(source),
                channel=Channel.EMAIL,
                metadata={"headers": False},
                turns=[Turn(role=Role.CUSTOMER, text=text)],
            ),
        )


def _split_mbox(stream: BinaryIO, name: str) -> Iterator[tuple[int, bytes | str]]:
    """(line of the 'From ' separator, raw message or a problem) for each message, streamed."""
    current: list[bytes] | None = None
    start = 0
    size = 0
    too_big = False
    previous_blank = True
    for number, raw in enumerate(stream, start=1):
        if raw.startswith(b"From ") and (previous_blank or _FROM_LINE.match(raw)):
            if current is not None:
                yield start, (_too_big() if too_big else b"".join(current))
            current, start, size, too_big = [], number, 0, False
        elif current is None:
            if raw.strip():
                raise ReadError(
                    "not an mbox file: it does not start with a 'From ' separator line",
                    source=name,
                    location=f"line {number}",
                )
        else:
            if _ESCAPED_FROM.match(raw):
                raw = raw[1:]
            size += len(raw)
            if size > _MAX_MESSAGE_BYTES:
                too_big = True
                current = []
            else:
                current.append(raw)
        previous_blank = not raw.strip()
    if current is not None:
        yield start, (_too_big() if too_big else b"".join(current))


def _too_big() -> str:
    return f"message larger than {_MAX_MESSAGE_BYTES // 2**20} MiB; skipped"


@register
class MboxReader(Reader):
    name = "mbox"
    description = "a mailbox (.mbox) of e-mail messages, grouped into threads"
    extensions = ("mbox",)

    def sniff(self, source: Source) -> float:
        head = source.head()
        if not head.startswith(b"From "):
            return 0.0
        first, _, rest = head.partition(b"\n")
        if _FROM_LINE.match(first) or source.suffix == "mbox":
            return 0.95 if _has_headers(rest, strict=False) else 0.5
        return 0.4 if _has_headers(rest, strict=True) else 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        mails: list[_Mail] = []
        seen: set[str] = set()
        with source.open() as stream:
            for count, (line, data) in enumerate(_split_mbox(stream, source.name), start=1):
                location = f"message {count} (line {line})"
                if isinstance(data, str):
                    yield ReadIssue(source.name, data, location)
                    continue
                mail = _read_mail(data, count, location)
                if isinstance(mail, str):
                    yield ReadIssue(source.name, mail, location)
                    continue
                if mail.message_id is not None:
                    if mail.message_id in seen:
                        problem = "a second copy of an earlier message (same Message-ID); skipped"
                        yield ReadIssue(source.name, problem, location)
                        continue
                    seen.add(mail.message_id)
                mails.append(mail)
        stem = _stem(source)
        for number, thread in enumerate(_group(mails), start=1):
            yield _conversation(source, thread, options, f"{stem}-{number}", seen)
