"""Write tests/redaction/data/pii_labelled.jsonl: customer-service sentences with gold PII spans.

    .venv/bin/python tools/make_pii_dataset.py

Deterministic (seeded): running it again writes the same file. Every value is fictitious:
phone numbers from the ranges set aside for fiction (NANP 555-01xx, Ofcom's drama ranges,
ACMA's 5550/491 570, ...), e-mail addresses at example.com/.org/.net and .example, published
test card numbers, the IBAN examples of the national banking associations, documentation IP
ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and invented streets.

A template marks a slot as ``{pool}``; a pool of personal data gives the slot's gold kind,
a pool of look-alikes (order numbers, dates, prices, versions, ...) gives no span: those are
the hard negatives. A value given as ``(before, value, after)`` labels only ``value`` (the
credentials inside a URL).

Gold conventions: an address span runs from the unit or house number through the postcode or
ZIP; a city is inside it only when a postcode or ZIP follows. A postcode alone is an address
(UK and Canadian postcodes narrow to a few households); a US ZIP code alone is not. A phone
span includes its extension.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "redaction" / "data" / "pii_labelled.jsonl"
SEED = 20260306
Value = str | tuple[str, str, str]

POSITIVE: dict[str, tuple[str, list[Value]]] = {
    "email": (
        "email",
        [
            "jane.doe@example.com",
            "j.smith+orders@example.org",
            "maria.garcia@mail.example.com",
            "tom_baker77@example.net",
            "o.nwosu@support.example.org",
            "LUCY.CHEN@EXAMPLE.COM",
            "k.oconnor@example.co.example",
            "amelie.durand@example.fr.example",
            "p.schmidt-weber@example.de.example",
            "billing+refunds@acme.example",
            "raj.patel1984@example.com",
            "s.yamamoto@mail.example.net",
        ],
    ),
    "email_obf": (
        "email",
        [
            "jane dot doe at example dot com",
            "sam[at]example[dot]org",
            "lee (at) example (dot) net",
            "m.rossi [at] example [dot] com",
            "kofi.mensah at example dot org",
        ],
    ),
    "phone_us": (
        "phone",
        [
            "(201) 555-0143",
            "212-555-0198",
            "212.555.0134",
            "+1 415 555 0171",
            "1-800-555-0111",
            "(646) 555-0102",
            "+1-312-555-0166",
            "555-0175",
        ],
    ),
    "phone_uk": (
        "phone",
        [
            "+44 20 7946 0958",
            "020 7946 0321",
            "07700 900123",
            "+44 7700 900456",
            "0113 496 0789",
            "+44 (0)161 496 0112",
            "0161 496 0555",
        ],
    ),
    "phone_intl": (
        "phone",
        [
            "+49 30 12345678",
            "030 1234567",
            "+33 1 99 00 12 34",
            "06 39 98 12 34",
            "+61 491 570 156",
            "(02) 5550 1234",
            "+353 20 910 1234",
            "+91 98765 43210",
            "0049 30 1234567",
            "+31 6 12345678",
            "+34 612 345 678",
        ],
    ),
    "phone_ext": (
        "phone",
        ["(201) 555-0143 ext. 204", "+1 212 555 0198 x12", "020 7946 0123 ext 45"],
    ),
    "phone_bare": ("phone", ["5550100199", "07700900654", "+447700900789"]),
    "card": (
        "card",
        [
            "4111 1111 1111 1111",
            "5555 5555 5555 4444",
            "3782 822463 10005",
            "6011-1111-1111-1117",
            "4012888888881881",
            "5105 1051 0510 5100",
            "3714 496353 98431",
            "4242-4242-4242-4242",
            "3530 1113 3330 0000",
            "2223 0000 4841 0010",
        ],
    ),
    "iban": (
        "iban",
        [
            "GB82 WEST 1234 5698 7654 32",
            "DE89 3704 0044 0532 0130 00",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NL91 ABNA 0417 1643 00",
            "ES91 2100 0418 4502 0005 1332",
            "IT60 X054 2811 1010 0000 0123 456",
            "BE68 5390 0754 7034",
            "CH93 0076 2011 6238 5295 7",
            "GB82WEST12345698765432",
            "IE29 AIBK 9311 5212 3456 78",
        ],
    ),
    "ssn": ("national_id", ["123-45-6789", "219-09-9998", "536-22-1475", "401 33 2987"]),
    "ssn_bare": ("national_id", ["536221475", "401332987"]),
    "nino": ("national_id", ["AB 12 34 56 C", "JG103759A", "PZ 64 28 17 B", "ce 47 11 93 d"]),
    "dni": ("national_id", ["12345678Z", "87654321X", "X1234567L", "Y7654321G"]),
    "bsn": ("national_id", ["111222333", "123456782"]),
    "sin": ("national_id", ["130 692 544"]),
    "addr_us": (
        "address",
        [
            "1234 Maple Avenue, Apt 5B, Springfield, IL 62704",
            "742 Larkspur Lane, Shelbyville, TN 37160",
            "88 Quillfeather Street, Suite 210, Portland, OR 97205",
            "19 Oakhaven Drive, Riverton, NJ 08077",
            "350 5th Avenue",
            "2020 Brambleton Rd",
            "56 Copperbeech Way",
            "910 Thistledown Blvd, Austin, TX 78701",
        ],
    ),
    "addr_uk": (
        "address",
        [
            "Flat 4, 27 Elmwood Road, Bristol BS1 4DJ",
            "14 Willowmere Close, Leeds LS6 2QT",
            "3 Harrowgate Mews, London SW1A 2AA",
            "221B Quayside Terrace, Manchester M4 5JD",
            "9 Fennel Crescent",
            "62 Kestrel Gardens, York YO10 5DD",
        ],
    ),
    "addr_eu": (
        "address",
        [
            "Beispielweg 7, 10115 Berlin",
            "Musterstraße 12",
            "Lindenallee 23a, 50667 Köln",
            "Kastanjelaan 42, 3512 AB Utrecht",
            "12 rue des Lilas, 75011 Paris",
            "8 avenue de la Fontaine",
            "Calle del Olmo 14, 28013 Madrid",
            "Via Roma 21, 00184 Roma",
        ],
    ),
    "addr_short": ("address", ["12 oak street", "45 Birchfield Road", "7 Marigold Lane"]),
    "po_box": ("address", ["PO Box 4471", "P.O. Box 88"]),
    "postcode": ("address", ["SW1A 1AA", "M1 1AE", "EH8 9YL", "K1A 0B1", "bs1 4dj"]),
    "ip4": ("ip", ["203.0.113.42", "198.51.100.7", "192.0.2.155"]),
    "ip6": ("ip", ["2001:db8:85a3::8a2e:370:7334", "2001:db8::1f"]),
    "url": (
        "url_credentials",
        [
            ("https://", "jdoe:Winter2024", "@portal.example.com/login"),
            ("ftp://", "backup:s3cr3t", "@files.example.org/"),
            ("http://", "admin:admin123", "@192.0.2.10:8080/"),
        ],
    ),
}

NEGATIVE: dict[str, list[str]] = {
    "order": ["4455667788", "A-1029384", "#557120", "5550100", "100-2938475", "77120"],
    "order_long": ["4111111111111112", "5512345678901234", "30291847561029"],
    "tracking": [
        "1Z999AA10123456784",
        "9400 1000 0000 0000 0000 00",
        "JD014600006281234567",
        "RR123456785GB",
        "7489 2231 0094",
    ],
    "date": [
        "2024-03-12",
        "12/03/2024",
        "12.03.2024",
        "03-12-2024",
        "March 12, 2024",
        "2026-03-06",
    ],
    "time": ["14:30", "9:45am", "10:00-12:00", "08:15", "6.30pm"],
    "price": ["$1,299.99", "€49,90", "£1 234", "129.99 USD", "$ 2,450.00", "1.299,00 €"],
    "version": ["v2.3.14", "10.0.19045.3570", "17.4.1", "4.2.1.0", "3.11.9"],
    "ticket": ["TKT-558812", "01234567", "INC0012345", "CS-2024-004417", "#48213"],
    "zip": ["62704", "10115", "90210-1234"],
    "qty": ["3", "12", "250", "1,500"],
    "ref": ["REF 2024-000123", "REF-88213-B", "QX-55-0101"],
    "sku": ["4006381333931", "SKU-77120-BLK", "XPS 13 9310"],
    "last4": ["1111", "4444", "0005"],
    "room": ["1204", "B12", "3"],
    "year_range": ["2019-2023", "2021 2022"],
    "account": ["00123456", "ACC 5551 0199", "88492013"],
}

TEMPLATES: list[str] = [
    # E-mail, chat
    "hi, can you send the receipt to {email} please",
    "My email is {email} — the old one doesn't work anymore.",
    "please update the contact email on order {order} to {email}",
    "I never got the confirmation at {email}, can you resend?",
    "you can reach me at {email} or on {phone_us}",
    "Customer: my e-mail's {email_obf}",
    "email me at {email_obf} if that's easier",
    "Write to {email_obf}, I check it daily.",
    "Agent: I've sent the label to {email}. Anything else?",
    "Dear Support,\nPlease cancel my subscription. My account email is {email}.\nThanks",
    "From: {email}\nSubject: Refund for order {order}",
    "cc'ing my partner {email} on this thread",
    "Is {email} the right address for billing?",
    "The invoice went to {email} instead of {email}.",
    # Phones
    "you can call me on {phone_uk} after {time}",
    "My number is {phone_us}, I'm free after 5.",
    "Please ring {phone_uk} and ask for Sam.",
    "best number to reach me: {phone_intl}",
    "call me back on {phone_intl} tomorrow morning",
    "Caller: yeah it's {phone_uk}, that's my mobile",
    "Agent: can I confirm the phone number on the account is {phone_us}?",
    "text me at {phone_us} when the driver is close",
    "Our office line is {phone_ext} if you need me during the day.",
    "Tel: {phone_intl}",
    "phone {phone_ext}",
    "My mobile is {phone_bare}.",
    "sure, {phone_uk} is my number",
    "Mobile: {phone_bare}\nOrder: {order}",
    "I tried calling {phone_uk} three times yesterday and nobody answered.",
    "WhatsApp me on {phone_intl} please, I'm abroad",
    "my husband's cell is {phone_us} if I'm not available",
    "Caller: my landline, zero one one three, {phone_uk}",
    # Cards
    "My card {card} keeps getting declined",
    "I paid with the visa ending {last4}, full number {card}",
    "card number: {card} exp 09/27",
    "Customer: ok the long number is {card} and the expiry is 12/26",
    "can you refund to {card} instead",
    "Agent: please don't send full card numbers like {card} in chat.",
    "Payment of {price} was taken from card {card} on {date}.",
    "The card ending in {last4} was charged twice for order {order}.",
    # IBANs
    "Please send the refund to IBAN {iban}",
    "my bank details: {iban}, account name J Doe",
    "IBAN: {iban}\nBIC: WESTGB2L",
    "I set up the direct debit from {iban} last month",
    "Could you confirm you have {iban} on file?",
    # National ids
    "they asked for my SSN, it's {ssn}",
    "SSN {ssn_bare} — is that needed for the credit check?",
    "My social security number is {ssn}.",
    "National Insurance number {nino}",
    "my NI number is {nino}, do you need anything else",
    "DNI {dni}, a nombre de Lucía",
    "Mi NIE es {dni}.",
    "BSN: {bsn}",
    "mijn burgerservicenummer is {bsn}",
    "my SIN is {sin} for the tax slip",
    "Caller: it's {nino}",
    # Addresses
    "Please ship it to {addr_us}.",
    "My new address is {addr_uk}",
    "Lieferadresse: {addr_eu}",
    "Deliver to {addr_short}, the blue door.",
    "Send the replacement to {addr_uk} please, not the old one.",
    "I moved to {addr_us} last week so the parcel went to the wrong place",
    "Agent: I have your address as {addr_uk}, is that right?",
    "Adresse de livraison : {addr_eu}",
    "Dirección: {addr_eu}",
    "return it to {po_box}, Riverton",
    "my postcode is {postcode}",
    "It was left at {addr_short} instead of number 14.",
    "The courier says {addr_us} doesn't exist?",
    "billing address {addr_uk}, shipping {addr_short}",
    "Postcode {postcode} please",
    "live at {addr_short} since {year_range}",
    # IPs and URL credentials
    "my router's public ip is {ip4}",
    "The login attempts came from {ip4} and {ip6}",
    "I tried {url} but it says access denied",
    "the backup job uses {url} every night",
    "Connecting from {ip6} on firmware {version}",
    # Mixed
    "Name: J. Doe\nEmail: {email}\nPhone: {phone_uk}\nAddress: {addr_uk}",
    "order {order} — ship to {addr_us}, call {phone_us} on arrival",
    "I'm {email}, tracking number {tracking}, please call {phone_intl}",
    "Refund {price} to {iban} for order {order} placed {date}",
    "ticket {ticket}: customer at {addr_eu}, phone {phone_intl}",
    "Hello, order {order} never arrived. Email {email}, mobile {phone_uk}. Thanks!",
    "My card {card} and my address {addr_short} are both on the account",
    "SSN {ssn}, phone {phone_us}, email {email}",
    # Hard negatives only
    "Where is my order {order}? It's been {qty} days.",
    "tracking number {tracking} hasn't updated since {date}",
    "I was charged {price} on {date} at {time}",
    "The app is on version {version} and still crashes",
    "ticket {ticket} is still open",
    "Ref: {ref}",
    "Item {sku} is out of stock",
    "my zip is {zip}",
    "Your order {order_long} has shipped",
    "order number {order_long} please check",
    "I'm on build {version}, should I update?",
    "delivery window {time} on {date}",
    "Invoice {ticket} for {price}, due {date}",
    "Room {room}, the heating's broken",
    "I've been a customer since {year_range}",
    "card ending {last4} please",
    "Account number {account} — can you check the balance?",
    "case {ticket}: refund of {price} approved",
    "Order {order} of {qty} items, total {price}",
    "Your reference is {ref}. Keep it for your records.",
    "the parcel {tracking} was scanned at {time} on {date}",
    "Please quote {ticket} in any reply.",
    "We'll call you between {time} on {date}.",
    "I'm at home all day, look at example dot com for the manual",
    "Our help centre is at help.example.com, not at support dot example dot com",
    "Firmware {version} fixed it, thanks!",
    "I bought {qty} on {date} for {price} each",
    "our shop is open {time} every day except Sunday",
    "ordered {qty} items on the website, order {order}",
    "{qty} hours on hold is not acceptable",
    "The update to {version} on {date} broke the sync",
    "Barcode {sku} scans as a different product",
    "waybill {tracking}",
    "subtotal {price}, shipping {price}, total {price}",
    "it's model {sku}, bought {date}",
    "Meter reading 04512 on {date}",
    "Your one-time code is 482913",
    "I'm calling about order {order} from {date}",
    "can you call me at 3pm about ticket {ticket}",
    "I'll be at the office until {time}",
    "We waited 2 hours on the road for the driver",
    "Spring 2024 collection arrived on {date}",
    "it took {qty} working days to arrive",
    "my hard drive died after {qty} months",
    "Thanks for contacting us! Your case number is {ticket}.",
    "The 3 Main items were missing from the box",
    "Set the DNS to 8 and 9 and restart",
    "In 2023 we processed 1 234 567 orders",
]


# Held out: written after the detectors were tuned on the templates above, with values and
# phrasings of their own, and scored once as written. The benchmark reports both splits; the
# held-out figures are the honest estimate of how the detectors do on text they were not
# shaped on.
HELDOUT_POSITIVE: dict[str, tuple[str, list[Value]]] = {
    "h_email": (
        "email",
        [
            "Anna.Kowalska@example.com",
            "d'souza.r@example.org",
            "info@example-shop.example",
            "user%promo@example.net",
            "first.last@eu.mail.example.com",
            "x-y_z@example.org",
        ],
    ),
    "h_email_obf": (
        "email",
        ["anna (dot) k (at) example (dot) org", "bob AT example DOT com", "eve{at}example{dot}net"],
    ),
    "h_phone": (
        "phone",
        [
            "(312) 555-0190",
            "+1 646.555.0139",
            "+44 113 496 0000",
            "01632 960123",
            "+44 1632 960 456",
            "+49 (0)30 1234 5678",
            "+33 (0)1 99 00 45 67",
            "0491 570 006",
            "+61 (0)491 570 110",
            "+1 800 555 0100",
            "+1.212.555.0182",
            "0 7 7 0 0 9 0 0 1 2 3",
            "(212) 555-0147 Ext: 3301",
            "555-0123",
            "212 555 0165",
        ],
    ),
    "h_phone_spoken": (
        "phone",
        [
            "five five five, oh one four two",
            "oh seven seven double oh, nine double oh one two three",
        ],
    ),
    "h_card": (
        "card",
        [
            "4000 0566 5566 5556",
            "5200 8282 8282 8210",
            "6011 0009 9013 9424",
            "3056 9300 0902 0004",
            "4000002500003155",
            "5425-2334-3010-9903",
            "3787 344936 71000",
        ],
    ),
    "h_iban": (
        "iban",
        [
            "AT61 1904 3002 3457 3201",
            "PL61 1090 1014 0000 0712 1981 2874",
            "SE45 5000 0000 0583 9825 7466",
            "DK50 0040 0440 1162 43",
            "NO93 8601 1117 947",
            "PT50 0002 0123 1234 5678 9015 4",
            "fi21 1234 5600 0007 85",
        ],
    ),
    "h_id": (
        "national_id",
        ["465-28-3910", "321 54 9876", "NH 45 67 89 A", "YX998877D", "23456789D", "Z2345678M"],
    ),
    "h_address": (
        "address",
        [
            "4500 Ridgeview Pkwy, Unit 12, Boulder, CO 80301",
            "77 Hollybrook Cres",
            "Apt. 3C, 150 Westmoreland Ave",
            "12A Primrose Hill Road, Cardiff CF10 3AT",
            "Goethestr. 15, 80336 München",
            "Beukenlaan 7, 5616 AB Eindhoven",
            "C/ de la Luna 8, 28004 Madrid",
            "Viale dei Pini 5",
            "1200 Maplewood Crescent, Ottawa, ON K1A 0B1",
            "PO BOX 991",
            "Am Lindenhof 3",
            "33 Saint Albans Street",
        ],
    ),
    "h_postcode": ("address", ["CF10 3AT", "G2 8DL", "n1 9gu"]),
    "h_ip": ("ip", ["198.51.100.23", "2001:0db8:0000:0000:0000:ff00:0042:8329"]),
}

HELDOUT_NEGATIVE: dict[str, list[str]] = {
    "h_order": ["112-4456789-1234567", "12345678901", "W123456789", "#100234-A", "PO-4471-2026"],
    "h_code": ["K7Q2ZP", "INV-2024-0042", "SN 5CG1234XYZ", "ISBN 978-3-16-148410-0", "PIN 4821"],
    "h_imei": ["490154203237518"],
    "h_date": ["03/04/25", "4 March 2026", "2026/03/04", "Mar 4th", "04.03.26"],
    "h_time": ["00:12:45", "1.30pm", "13h30", "9 to 5"],
    "h_money": ["1 299,00 kr", "2 x 4.99", "USD 1,250", "¥12,800", "CHF 1'250.50"],
    "h_misc": ["12,5 kg", "v1.2.3-beta", "5550134", "batch 2024-03-12-001", "GTIN 00012345600012"],
}

HELDOUT_TEMPLATES: list[str] = [
    "Hey!! pls send my invoice {h_code} to {h_email} asap",
    "I'd prefer e-mail: {h_email_obf}",
    "Contact details below.\nE: {h_email}\nM: {h_phone}",
    "Agent: Thanks, and what's the best number for a call-back? Customer: {h_phone}",
    "if it's easier phone me {h_phone}",
    "Customer: yeah so the number is {h_phone_spoken}",
    "hi my visa {h_card} was charged but order {h_order} shows unpaid",
    "Please debit {h_iban} monthly.",
    "the refund should go to my account {h_iban}",
    "SSN {h_id}",
    "ID number {h_id} as requested",
    "my address: {h_address}",
    "We'll collect from {h_address} on {h_date}",
    "postcode's {h_postcode}",
    "logins from {h_ip} weren't me",
    "order {h_order} placed {h_date} at {h_time}, {h_money}",
    "Your IMEI is {h_imei}; the device is still under warranty.",
    "the code {h_code} didn't work at checkout",
    "Total {h_money} charged on {h_date}",
    "{h_misc} — is that the right one?",
    "I got {h_misc} on {h_date}",
    "Order number {h_order}. I called twice at {h_time} with no answer.",
    "Hi, this is Priya from {h_address}, my number is {h_phone} and email {h_email}",
    "Deliveries to {h_address} keep failing, ref {h_order}",
    "Agent: I've noted {h_phone} as your callback number and {h_email} for updates.",
    "Can I pay the {h_money} with card {h_card}?",
    "customer id {h_misc}",
    "We're open {h_time}; call 0800 if urgent",
]


def fill(template: str, rng: random.Random) -> dict[str, object]:
    """The sentence for one template, and its gold spans."""
    text = ""
    spans: list[dict[str, object]] = []
    position = 0
    for match in re.finditer(r"\{(\w+)\}", template):
        text += template[position : match.start()]
        position = match.end()
        name = match.group(1)
        positive = POSITIVE.get(name) or HELDOUT_POSITIVE.get(name)
        if positive is not None:
            kind, values = positive
            value = rng.choice(values)
            before, core, after = value if isinstance(value, tuple) else ("", value, "")
            text += before
            spans.append({"start": len(text), "end": len(text) + len(core), "kind": kind})
            text += core + after
        else:
            text += rng.choice(NEGATIVE.get(name) or HELDOUT_NEGATIVE[name])
    text += template[position:]
    return {"text": text, "spans": spans}


def main() -> None:
    rng = random.Random(SEED)
    seen: set[str] = set()
    records: list[dict[str, object]] = []
    # Three draws of each template (fewer when its pools are small): varied values, same shapes.
    splits = [("dev", template) for template in TEMPLATES]
    splits += [("heldout", template) for template in HELDOUT_TEMPLATES]
    for number, (split, template) in enumerate(splits):
        draws = 3 if split == "dev" else 5
        for _ in range(draws):
            record = fill(template, rng)
            if record["text"] in seen:
                continue
            seen.add(str(record["text"]))
            records.append(
                {
                    "id": f"pii-{len(records) + 1:04d}",
                    "split": split,
                    "template": number,
                    **record,
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    spans = sum(len(record["spans"]) for record in records)  # type: ignore[arg-type]
    negatives = sum(not record["spans"] for record in records)
    held = sum(record["split"] == "heldout" for record in records)
    print(
        f"{OUT}: {len(records)} sentences ({held} held out), {spans} gold spans, "
        f"{negatives} without any"
    )


if __name__ == "__main__":
    main()
