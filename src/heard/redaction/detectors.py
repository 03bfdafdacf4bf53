"""One detector per kind of personal data: a precompiled pattern, then checks in Python.

Each detector is ``(text, digits) -> list[(start, end)]``, where ``digits`` is how many ASCII
digits the text holds (counted once per text by the caller): most detectors need several and
return at once without one, so a turn with no numbers and no "@" costs a few string tests.

Patterns find candidates generously; what decides is a checksum (cards, IBANs, national ids)
or the shape of the number and the words just before it (phones): "order 5550100199" is not a
phone number, "call me on 5550100199" is.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from heard.redaction.checks import (
    IBAN_LENGTHS,
    bsn_valid,
    dni_valid,
    iban_valid,
    luhn_valid,
    nino_valid,
    sin_valid,
    ssn_valid,
)

Span = tuple[int, int]
Detector = Callable[[str, int], list[Span]]

_NO_DIGITS = str.maketrans("", "", "0123456789")


def count_digits(text: str) -> int:
    """ASCII digits in ``text`` (str.translate runs in C: far cheaper than a Python loop)."""
    return len(text) - len(text.translate(_NO_DIGITS))


# Context ------------------------------------------------------------------------------------

# Words saying the number that follows is something other than personal data. Shared by the
# number detectors; the list is long because support conversations are full of numbers.
_NEGATIVE = frozenset(
    """
    order orders ticket case tracking track ref reference invoice inv confirmation conf booking
    reservation receipt transaction txn serial s/n model sku item part policy claim account acct
    membership member parcel package shipment consignment po rma id version ver build firmware
    release code pin otp isbn issn imei awb waybill voucher coupon promo loyalty routing sort
    batch lot quote article error kb amount total balance price cost paid refund charge charged
    fee usd eur gbp size weight barcode upc ean gtin asin room flight seat gate vin plate licence
    license passport request incident job work-order wo meter mpan mprn contract subscription
    device router modem mac imsi iccid store branch qty quantity reward rewards points miles kwh
    mb gb ms nhs
    """.split()
) | {"work order", "sim card", "unit price"}
# "number" and "#" say nothing by themselves: "order number" is not "phone number".
_CONNECTORS = frozenset({"number", "numbers", "no", "nr", "num"})
# What may stand between a negative cue and its number: "order 1234", "order no. 1234",
# "order number: 1234", "ticket is #1234". Any other word and the cue is about something else.
_ADJACENT = _CONNECTORS | {"is", "was", "id", "ref", "#"}
# A replacement already made ("[phone]" once lower-cased) is matched whole and skipped: the
# word inside it is not the customer's, and counting it would make a second pass see more.
_CUE_WORDS = re.compile(r"\[[a-z0-9_]+\]|[a-z]+(?:[/-][a-z]+)*|#")


def _words(*groups: str) -> frozenset[str]:
    return frozenset(" ".join(group.split()) for text in groups for group in text.split(","))


def _cue(positive: frozenset[str], text: str, start: int, window: int = 40) -> str | None:
    """What the words in the ``window`` characters before ``start`` say about the number at
    ``start``: "pos" (a positive cue anywhere in the window: "call me tomorrow on ..."),
    "neg" (a negative cue right before it: "order 1234", "order number: 1234"), "both", or
    None. "number" alone counts as positive ("my number is ..."), "#" alone as negative.

    Words and pairs of words are looked up in sets: a regular expression of alternatives tried
    at every position costs several times more, and this runs for every candidate number."""
    low = max(0, start - window)
    words = _CUE_WORDS.findall(text[low:start].lower())
    if low and words and text[low - 1].isalnum() and text[low].isalnum():
        words = words[1:]  # cut mid-word by the window ("paid" seen as "id")
    words = [word for word in words if word[0] != "["]
    positive_seen = negative = connector = hashed = False
    for index, word in enumerate(words):
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        if word in positive or pair in positive:
            positive_seen = True
        elif word in _NEGATIVE or pair in _NEGATIVE:
            rest = words[index + (2 if pair in _NEGATIVE else 1) :]
            negative = all(later in _ADJACENT for later in rest)
        elif word in _CONNECTORS:
            connector = True
        elif word == "#":
            hashed = True
    if not (positive_seen or negative):
        if connector:
            positive_seen = True
        elif hashed:
            negative = True
    if positive_seen and negative:
        return "both"
    return "pos" if positive_seen else "neg" if negative else None


def _scan(
    pattern: re.Pattern[str], text: str, check: Callable[[re.Match[str]], Span | None]
) -> list[Span]:
    """Every match ``check`` accepts. After a rejected match the search resumes one character
    later rather than after it, so a long false candidate cannot hide a true one inside it."""
    found: list[Span] = []
    position = 0
    while True:
        match = pattern.search(text, position)
        if match is None:
            return found
        span = check(match)
        if span is None:
            position = match.start() + 1
        else:
            found.append(span)
            position = max(span[1], match.start() + 1)


# E-mail -------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w%+-][\w%+'-]*(?:\.[\w%+'-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?![\w-]|\.[A-Za-z0-9])"
)
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_TLDS = r"com|org|net|edu|gov|io|co|uk|us|de|fr|es|it|nl|be|ch|ca|au|ie|eu|info|biz|example|test"
_OBFUSCATED = re.compile(
    rf"(?i)(?<![\w.+-])[a-z0-9][a-z0-9_+-]*(?:{_DOT}[a-z0-9_+-]+)*(?P<at>{_AT})"
    rf"[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*?{_DOT}(?:{_TLDS})(?![\w-]|\.[a-z0-9])"
)
_BRACKETED_AT = re.compile(r"(?i)[\[({<]\s*at\s*[\])}>]")
_EMAIL_CUE = re.compile(r"(?i)\b(?:e-?mail(?:ed|ing)?|mail|address|contact|write)\b")


_EMAIL_WORDS = ("mail", "address", "contact", "write")
_BRACKET_ENDS = ("at]", "at)", "at}", "at>")


def find_emails(text: str, digits: int) -> list[Span]:
    found: list[Span] = []
    if "@" in text:
        found = [match.span() for match in _EMAIL.finditer(text)]
    lower = text.lower()
    # The obfuscated pattern is slow (it tries every word): substring tests decide first.
    # "name at domain dot com" counts only after a word about e-mail, as "look at example dot
    # com" is a web site; "[at]" and "(at)" are never anything else.
    bracketed = any(end in lower for end in _BRACKET_ENDS) and _BRACKETED_AT.search(text)
    plain = " at " in lower and (" dot " in lower or any(word in lower for word in _EMAIL_WORDS))
    if bracketed or plain:
        for match in _OBFUSCATED.finditer(text):
            at = match.group("at")
            if at.strip().lower() == "at" and not _EMAIL_CUE.search(
                text, max(0, match.start() - 40), match.start()
            ):
                continue
            found.append(match.span())
    return found


# URL credentials ----------------------------------------------------------------------------

_URL_CREDENTIALS = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,15}://([^\s/@:?#\[\]]+:[^\s/@?#\[\]]*)@")


def find_url_credentials(text: str, digits: int) -> list[Span]:
    if "://" not in text:
        return []
    return [match.span(1) for match in _URL_CREDENTIALS.finditer(text)]


# IBAN ---------------------------------------------------------------------------------------

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}")


def _iban(text: str, match: re.Match[str]) -> Span | None:
    raw = match.group()
    length = IBAN_LENGTHS.get(raw[:2].upper())
    if length is None:
        return None
    taken = 0
    for index, char in enumerate(raw):
        if char.isalnum():
            taken += 1
            if taken == length:
                end = match.start() + index + 1
                break
    else:
        return None
    if end < len(text) and text[end].isalnum():
        return None  # the IBAN's length ends mid-word: not an IBAN boundary
    compact = "".join(char for char in text[match.start() : end] if char.isalnum())
    return (match.start(), end) if iban_valid(compact) else None


def find_ibans(text: str, digits: int) -> list[Span]:
    if digits < 8:
        return []
    return _scan(_IBAN, text, lambda match: _iban(text, match))


# Payment card -------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\w.,/$€£#-])(?<![0-9][ -])[0-9]+(?:[ -][0-9]+)*(?![\w])")
_CARD_CUE = _words(
    "card, cards, visa, mastercard, master card, amex, american express, discover, maestro,"
    "jcb, credit, debit, cc, pan, payment, pay, paying"
)


def _card(text: str, match: re.Match[str]) -> Span | None:
    run = match.group()
    groups = re.split(r"[ -]", run)
    separators = set(re.findall(r"[ -]", run))
    if len(separators) > 1:
        return None
    # The whole run, or the run less a trailing expiry/CVV group or two ("... 1111 12 26").
    for keep in range(len(groups), max(len(groups) - 3, 0), -1):
        rest = groups[keep:]
        if rest and (len(rest) > 2 or any(len(group) > 4 for group in rest)):
            break
        digits = "".join(groups[:keep])
        if not 13 <= len(digits) <= 19:
            continue
        if len(groups[:keep]) > 1 and any(len(group) < 3 for group in groups[: keep - 1]):
            continue  # "41 11 11 ..." is not how cards are written
        if digits[0] not in "23456" or len(set(digits)) == 1 or not luhn_valid(digits):
            continue
        if _cue(_CARD_CUE, text, match.start()) == "neg":  # "order 4111 ..." (Luhn by chance)
            return None
        end = match.start() + len(" ".join(groups[:keep]))
        return (match.start(), end)
    return None


def find_cards(text: str, digits: int) -> list[Span]:
    if digits < 13:
        return []
    return _scan(_DIGIT_RUN, text, lambda match: _card(text, match))


# National ids -------------------------------------------------------------------------------

# Positive words are looked up first, so "id" (negative for phones) is positive here.
_ID_CUE = _words(
    "ssn, social security, social, tax id, tin, itin, bsn, burgerservicenummer, citizen service,"
    "sofi, sin, social insurance, nino, ni, national insurance, insurance, dni, nie, nif,"
    "documento, id card, identity, national id, id, identification, document"
)
_SSN_CONTEXT = re.compile(r"(?i)\b(?:ssn|ss#|social security|tax id|tin|itin)\b")
_BSN_CONTEXT = re.compile(r"(?i)\b(?:bsn|burgerservicenummer|citizen service|sofi)")
_SIN_CONTEXT = re.compile(r"(?i)\b(?:sin|social insurance)\b")

_SSN = re.compile(
    r"(?<![\w-])(?<![0-9][ -])([0-9]{3})([- ]?)([0-9]{2})\2([0-9]{4})(?![\w-]|[ ][0-9])"
)
_NINO = re.compile(
    r"(?i)(?<![\w-])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?"
    r"([A-D])(?![\w-])"
)
_DNI = re.compile(r"(?i)(?<![\w-])([0-9]{8}|[XYZ][- ]?[0-9]{7})[- ]?([A-Z])(?![\w-])")
_NINE = re.compile(
    r"(?<![\w-])(?<![0-9][ .-])[0-9]{3}[ .-]?[0-9]{3}[ .-]?[0-9]{3}(?![\w-]|[ .][0-9])"
)
_BSN = re.compile(r"(?<![\w-])(?<![0-9][ .-])[0-9]{4}[ .]?[0-9]{2}[ .]?[0-9]{3}(?![\w-]|[ .][0-9])")


def _near(pattern: re.Pattern[str], text: str, start: int, window: int = 40) -> bool:
    return pattern.search(text, max(0, start - window), start) is not None


def _ssn(text: str, match: re.Match[str]) -> Span | None:
    area, separator, group, serial = match.groups()
    if not ssn_valid(area, group, serial):
        return None
    if _cue(_ID_CUE, text, match.start()) == "neg":
        return None
    # Nine bare digits are as likely an order number: only with a word saying SSN before.
    if not separator and not _near(_SSN_CONTEXT, text, match.start()):
        return None
    return match.span()


def _nino(text: str, match: re.Match[str]) -> Span | None:
    if not nino_valid(match.group(1)) or _cue(_ID_CUE, text, match.start()) == "neg":
        return None
    return match.span()


def _dni(text: str, match: re.Match[str]) -> Span | None:
    number = match.group(1).replace("-", "").replace(" ", "")
    if not dni_valid(number, match.group(2)) or _cue(_ID_CUE, text, match.start()) == "neg":
        return None
    return match.span()


def _digits_of(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def find_national_ids(text: str, digits: int) -> list[Span]:
    if digits < 6:
        return []
    found = _scan(_NINO, text, lambda match: _nino(text, match))
    if digits >= 7:
        found += _scan(_DNI, text, lambda match: _dni(text, match))
    if digits >= 9:
        found += _scan(_SSN, text, lambda match: _ssn(text, match))
        # A BSN or SIN passes its check one time in ten or eleven: only right after its name.
        if _BSN_CONTEXT.search(text):
            found += [
                match.span()
                for match in _BSN.finditer(text)
                if _near(_BSN_CONTEXT, text, match.start(), 50)
                and bsn_valid(_digits_of(match.group()))
            ]
        if _SIN_CONTEXT.search(text):
            found += [
                match.span()
                for match in _NINE.finditer(text)
                if _near(_SIN_CONTEXT, text, match.start(), 50)
                and sin_valid(_digits_of(match.group()))
            ]
    return found


# IP addresses -------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
# Not after "@" or "/": the host of a URL is a server, not a person.
_IPV4 = re.compile(rf"(?<![\w.@/-]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w-]|\.[0-9])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_VERSION_CUE = re.compile(
    r"(?i)\b(?:version|ver|v|build|firmware|release|update|updated|upgrade|ios|android|app|"
    r"driver|bios|patch|os|windows|macos|chrome|python)\b(?:\s+(?:to|is|was|of|from))?[\s:]*$"
)


def find_ips(text: str, digits: int) -> list[Span]:
    found: list[Span] = []
    if digits >= 4 and text.count(".") >= 3:
        for match in _IPV4.finditer(text):
            # "version 10.0.19045.3570" is not an address; only the words just before say so.
            if not _VERSION_CUE.search(text, max(0, match.start() - 25), match.start()):
                found.append(match.span())
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            value = match.group()
            if sum(1 for part in value.split(":") if part) < 3:
                continue  # "10:30:45" and "::1" are times and loopback, not anyone's address
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            found.append(match.span())
    return found


# Phone numbers ------------------------------------------------------------------------------

_PHONE = re.compile(
    r"(?<![\w@/.,:$€£¥+#*=%-])(?<![0-9][ .-])"
    r"(?P<num>(?:\+ ?|00(?=[1-9]))?\(?[0-9][0-9 ().-]{5,22}[0-9])"
    r"(?P<ext>,? ?(?i:ext|extension|x)[.:]? ?[0-9]{1,5})?"
    r"(?![\w]|[.-]?[0-9])"
)
_PHONE_CUE = _words(
    "phone, phones, telephone, tel, mobile, mob, cell, cellphone, call, calls, called, calling,"
    "ring, rang, text, texts, sms, whatsapp, fax, landline, contact, reach, dial, callback,"
    "call-back, m, t, ph, helpline, hotline, line, switchboard"
)
_PHONE_AFTER = re.compile(
    r"(?i)[\s,.;:()-]{0,3}(?:is|as|was)?\s*(?:my|the|our|his|her|a)?\s*"
    r"(?:phone|mobile|cell|tel|telephone|landline|number|home|work|direct line)\b"
)
_PARENS = re.compile(r"[^()]*(?:\([0-9]{1,5}\)[^()]*)?")
_DOUBLE_SEPARATOR = re.compile(r"[ .-]{2}")
_DATE = re.compile(
    r"[0-9]{4}[./ -][0-9]{1,2}[./ -][0-9]{1,2}"
    r"|[0-9]{1,2}[./ -][0-9]{1,2}[./ -](?:[0-9]{2}|[0-9]{4})"
)
_AMOUNT = re.compile(r"[0-9]{1,3}(?:[ .][0-9]{3})+")
_NANP = re.compile(r"(?:1[ .-]?)?(?:\([0-9]{3}\) ?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}")
_LOCAL_SEVEN = re.compile(r"[2-9][0-9]{2}[.-][0-9]{4}")
_TRUNK = re.compile(r"\(?0[1-9][0-9]{0,4}\)?(?:[ .-]?[0-9]{2,})+")
_SEPARATORS = re.compile(r"[ .-]")
_COUNTRY_CODE = re.compile(r"^(?:\+ ?|00)[1-9][0-9]{0,2} ")


def _phone(text: str, match: re.Match[str]) -> Span | None:
    number = match.group("num")
    start = match.start("num")
    if number.startswith("(") and ")" not in number:
        number, start = number[1:], start + 1  # "(call 555-0100)" opened the bracket
    if not _PARENS.fullmatch(number) or _DOUBLE_SEPARATOR.search(number):
        return None
    # One kind of separator, except the space after a country code ("+1 646.555.0139").
    separators = set(_SEPARATORS.findall(_COUNTRY_CODE.sub("", number, count=1)))
    if "." in separators and len(separators) > 1:
        return None
    count = count_digits(number)
    international = number.startswith("+") or (number.startswith("00") and number[2] != "0")
    if international:
        if not 8 <= count <= 15:
            return None
    elif not 7 <= count <= 12 or _DATE.fullmatch(number):
        return None
    cue = _cue(_PHONE_CUE, text, start)
    end = match.end()
    if cue is None and _PHONE_AFTER.match(text, end):
        cue = "pos"
    shaped = international or (
        not _AMOUNT.fullmatch(number)
        and (
            _NANP.fullmatch(number)
            or _LOCAL_SEVEN.fullmatch(number)
            or (_TRUNK.fullmatch(number) and 9 <= count <= 12)
        )
    )
    # A number written the way phone numbers are needs only no word against it ("order ...")
    # or a word for it too ("the phone number on the account is ..."); any other run of digits
    # needs a word for it and none against.
    if shaped:
        if cue == "neg":
            return None
    elif cue != "pos":
        return None
    return (start, end)


def find_phones(text: str, digits: int) -> list[Span]:
    if digits < 7:
        return []
    return _scan(_PHONE, text, lambda match: _phone(text, match))


# Street addresses and postcodes -------------------------------------------------------------

_SUFFIXES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|"
    r"Terrace|Terr|Way|Close|Crescent|Cres|Gardens|Gdns|Square|Sq|Parkway|Pkwy|Highway|Hwy|"
    r"Circle|Cir|Trail|Trl|Row|Mews|Grove|Hill|Walk|Green|Rise|Parade|Loop|Alley|Plaza|Wharf|"
    r"Quay|Broadway|Pike|Crossing|Heights"
)
# A lower-case suffix ("12 oak street") only for the unambiguous ones: "2 hard drive" is not.
_LOWER_SUFFIXES = frozenset(
    {"street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "boulevard", "blvd"}
)
_STOPWORDS = frozenset(
    "a an the on in at of to for from by with and or but my your our his her their its this "
    "that these those is are was were be been it i you we they he she me us them not no all "
    "any some more most very just only also than then so up down out over under about after "
    "before into onto off per via next last first second third every each other same new old "
    "items item orders order times time hours hour minutes minute days day weeks week months "
    "month years year calls call tickets ticket emails email people persons units pieces "
    "boxes bags pairs packs points miles km steps blocks doors houses floors stops".split()
)
_UNIT = (
    r"(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|Fl|Room|Rm|Bldg|Building)\.?\s*#?\s*"
    r"[0-9A-Za-z][0-9A-Za-z-]*|#\s*[0-9A-Za-z-]+"
)
_UK_POSTCODE = (
    r"(?:[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) ?"
    r"[0-9][ABD-HJLNP-UW-Z]{2})"
)
_CA_POSTCODE = r"(?:[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9])"
_ZIP = r"[0-9]{5}(?:-[0-9]{4})?"
_CODE = rf"(?:(?:[A-Z]{{2}} )?(?:{_ZIP}|(?i:{_CA_POSTCODE}))|(?i:{_UK_POSTCODE}))"
_PLACE = r"[A-Z][A-Za-z'’.-]+(?:[ -][A-Z][A-Za-z'’.-]+){0,2}"
_WORD = r"(?:[A-Za-z][A-Za-z'’-]*\.?|[0-9]{1,3}(?:st|nd|rd|th))"
# The city is part of the address only when a postcode or ZIP follows it; alone it is not
# personal data and would swallow the next sentence's first word.
_TAIL = rf"(?:\.?,?\s+(?i:{_UNIT}))?(?:\.?,\s*{_PLACE}(?=,?\s+{_CODE}))?(?:\.?,?\s+{_CODE})?"

# Starts at the house number: an optional unit first ("Flat 4, 27 ...") would be tried at every
# position of every text; it is looked for behind the match instead (_UNIT_BEFORE).
_STREET_EN = re.compile(
    r"(?<![\w-])(?P<number>[0-9]{1,5}[A-Za-z]?(?:[-/][0-9]{1,5}[A-Za-z]?)?),?\s+"
    rf"(?P<name>(?:{_WORD}\s+){{0,3}}?{_WORD})\s+"
    rf"(?P<suffix>(?i:{_SUFFIXES}))(?:\s+(?:{_SUFFIXES}))?(?![\w'’-])"
    rf"{_TAIL}(?![\w])"
)
_UNIT_BEFORE = re.compile(rf"(?<![\w-])(?i:{_UNIT}),?\s+")
_GERMANIC = (
    r"straße|strasse|str\.|weg|allee|gasse|platz|damm|ufer|steig|pfad|straat|laan|gracht|"
    r"plein|steeg|dijk|kade"
)
_CAP = r"[A-ZÄÖÜ][a-zäöüß]+"
_STREET_DE = re.compile(
    rf"(?<![\w-])(?:{_CAP}(?:-{_CAP})*(?:{_GERMANIC})|{_CAP}(?:e[rns])? (?:Straße|Strasse|Str\.|"
    r"Weg|Allee|Platz|Gasse|Damm|Ring))"
    r"\s+[0-9]{1,4}[a-zA-Z]?(?:\s?[-/]\s?[0-9]{1,4}[a-zA-Z]?)?(?![\w])"
    rf"(?:,?\s+(?:[0-9]{{5}}|[0-9]{{4}} ?[A-Z]{{2}})\s+{_CAP}(?:[ -]{_CAP})?)?"
)
_STREET_FR = re.compile(
    r"(?<![\w-])[0-9]{1,4}(?: ?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|chemin|allée|"
    r"allee|impasse|place|quai|route|cours)\s+"
    r"(?:(?:de la|de l'|du|des|de|d'|la|le|les|l')\s*)?[A-ZÉÈ][\w'’-]+"
    r"(?:\s+(?:(?:de la|du|des|de|la|le|les|d'|l')\s*)?[A-ZÉÈ][\w'’-]+){0,3}"
    r"(?:,?\s+[0-9]{5}\s+[A-ZÉ][\w'’-]+(?:[ -][A-ZÉ][\w'’-]+)?)?"
)
_STREET_ES = re.compile(
    r"(?<![\w-])(?:Calle|C/|Avenida|Avda\.|Paseo|Plaza|Via|Viale|Piazza|Corso|Carrer|Rua)\s+"
    r"(?:(?:de la|de los|de las|del|de|la|el|di|della|dei|delle|do|da)\s+)?[A-ZÁÉÍÓÚ][\w'’-]+"
    r"(?:\s+(?:(?:de|del|di|della)\s+)?[A-ZÁÉÍÓÚ][\w'’-]+){0,2}"
    r",?\s+(?:n[º°o]\.?\s*)?[0-9]{1,4}[A-Za-z]?(?![\w])"
    r"(?:,?\s+[0-9]{5}\s+[A-ZÁÉÍÓÚ][\w'’-]+(?:\s+[A-ZÁÉÍÓÚ][\w'’-]+)?)?"
)
_PO_BOX = re.compile(r"(?i)(?<![\w-])P\.? ?O\.? ?Box\s+[0-9]{1,6}(?![\w])")
_POSTCODE = re.compile(rf"(?i)(?<![\w-])(?:{_UK_POSTCODE}|{_CA_POSTCODE})(?![\w-])")
_ORDINAL_INWARD = frozenset({"st", "nd", "rd", "th"})


def _street_en(text: str, match: re.Match[str]) -> Span | None:
    words = match.group("name").split()
    suffix = match.group("suffix")
    if any(word.lower().rstrip(".") in _STOPWORDS for word in words):
        return None
    if suffix.islower() and suffix not in _LOWER_SUFFIXES:
        return None
    if suffix[0].isupper() and not any(word[0].isupper() or word[0].isdigit() for word in words):
        return None  # "12 items Road": a capitalised suffix goes with a capitalised name
    start = match.start()
    for unit in _UNIT_BEFORE.finditer(text, max(0, start - 24), start):
        if unit.end() == start:
            start = unit.start()
            break
    return (start, match.end())


def _postcode(match: re.Match[str]) -> Span | None:
    value = match.group()
    # "b2 3rd": typed in lower case, an inward code that is an ordinal is more likely just that.
    if value.islower() and value[-2:] in _ORDINAL_INWARD:
        return None
    return match.span()


def find_addresses(text: str, digits: int) -> list[Span]:
    if not digits:
        return []
    found = _scan(_STREET_EN, text, lambda match: _street_en(text, match))
    for pattern in (_STREET_DE, _STREET_FR, _STREET_ES, _PO_BOX):
        found += [match.span() for match in pattern.finditer(text)]
    found += _scan(_POSTCODE, text, _postcode)
    return found


DETECTORS: dict[str, Detector] = {
    "url_credentials": find_url_credentials,
    "email": find_emails,
    "iban": find_ibans,
    "card": find_cards,
    "national_id": find_national_ids,
    "ip": find_ips,
    "phone": find_phones,
    "address": find_addresses,
}
