"""E-mail addresses and handles: hers, and every way of writing them again.

Her e-mail addresses and handles are kept as *keys*: the letters and digits of the part
before the @ (or of the handle), without dots, underscores, hyphens and a "+tag", read by
look (``normalise.visual``), so zoe.m@example.org, Zoe.M+alerts@example.org, ZOE_M and
@zoe.m all have the key "zoem". An outgoing text repeats one when

* an e-mail address in it has her key before the @ (whatever the domain: the part before it
  names her); the @ and the dots may be spelled out, in the scheme's five languages
  ("zoe dot m at example dot org", "zoe.m (at) example [.] org", "małpa", "arroba", "kropka",
  "punct", "ponto" …), or fullwidth;
* a handle-like word in it (letters and digits with dots, underscores or hyphens inside, or
  after an @) has her key, with or without the @.

Her handles are: the part before the @ of each of her addresses; words after an @ in what she
wrote, and the word after a service she names as hers ("my insta is jadek_99"); and, in her
contact details, the word after a service's name ("snapchat kittyjade", ``PLATFORMS``) and
words that mix letters with digits or hold a dot or underscore (zoe_m99, zoe.marlowe), which
name an account rather than say something, unless the word is a time or a date written with
digits ("after 11.30pm", "20.11.2026"): those are protected as times and dates (``times``), and
as handles would block every other way of writing a time. A word of letters that only look like
digits (lo.lo, io.21) stays an account name. Keys shorter than four characters are not kept:
they would block ordinary words."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ugly_mugs.disclosure import normalise, times, words

MIN_KEY = 4
# The part before the @ of a mailbox for a role rather than a person (RFC 2142, "Mailbox Names
# for Common Services, Roles and Functions", and the ones small businesses use alike, in the
# scheme's five languages), as keys: it names nobody, and kept as one of hers it would block the
# word ("More info at the drop-in"). Such an address is hers by its domain (``her_domains``).
ROLE_MAILBOXES = frozenset(
    {
        # RFC 2142
        "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
        "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
        # common alike
        "admin", "bookings", "booking", "contact", "contacts", "enquiries", "enquiry", "hello",
        "help", "mail", "office", "reception", "reservations", "service", "services", "team",
        "noreply", "donotreply",
        # Polish, Romanian, Bulgarian (in Latin letters), Portuguese
        "biuro", "kontakt", "rezerwacje", "rezervari", "rezervare", "contacte", "kontakti", "ofis",
        "contato", "reservas", "atendimento", "vendas", "agendamento", "agendamentos", "agenda",
        "programari", "programare", "rezerwacja", "zapisy", "recepcja", "recepcao", "enquire",
        "appointments", "appointment",
    }
)  # fmt: skip
# Public mail services, where anyone has an address: their domains name nobody. The largest in
# the scheme's countries (the UK, Poland, Romania, Bulgaria, Brazil) and worldwide; any other
# domain of hers (her own site's, her agency's) is protected (``her_domains``).
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
        "hotmail.co.uk", "outlook.com", "live.com", "live.co.uk", "msn.com", "icloud.com", "me.com",
        "mac.com", "aol.com", "aol.co.uk", "protonmail.com", "proton.me", "pm.me", "tutanota.com",
        "tuta.io", "gmx.com", "gmx.co.uk", "gmx.net", "mail.com", "zoho.com", "yandex.com",
        "yandex.ru", "mail.ru", "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net",
        "ntlworld.com",
        "wp.pl", "o2.pl", "onet.pl", "op.pl", "interia.pl", "poczta.onet.pl", "gazeta.pl",
        "tlen.pl", "vp.pl", "poczta.fm", "interia.eu",
        "yahoo.ro", "mail.ro", "email.ro",
        "abv.bg", "mail.bg", "dir.bg", "gbg.bg",
        "uol.com.br", "bol.com.br", "terra.com.br", "ig.com.br", "yahoo.com.br", "hotmail.com.br",
        "outlook.com.br",
    }
)  # fmt: skip
# "at" and "dot" as people spell them out, in English, Polish, Romanian, Bulgarian (in Cyrillic
# and in Latin letters) and Portuguese; compared as ``normalise.fold`` reads them.
_AT_SPELLED = ("at", "małpa", "małpka", "arond", "arroba", "маймунка", "кльомба", "maimunka", "klomba")
_DOT_SPELLED = ("dot", "kropka", "punct", "punkt", "точка", "tochka", "ponto")
AT_WORDS = tuple(dict.fromkeys(normalise.fold(w).text for w in _AT_SPELLED))
DOT_WORDS = tuple(dict.fromkeys(normalise.fold(w).text for w in _DOT_SPELLED))
_BRACKETS = r"[\(\[\{<]"
_CLOSING = r"[\)\]\}>]"
_AT = re.compile(rf"\s*{_BRACKETS}\s*(?:{'|'.join(AT_WORDS)}|@)\s*{_CLOSING}\s*|\s+(?:{'|'.join(AT_WORDS)})\s+|\s*@\s*")
_DOT = re.compile(rf"\s*{_BRACKETS}\s*(?:{'|'.join(DOT_WORDS)}|\.)\s*{_CLOSING}\s*|\s+(?:{'|'.join(DOT_WORDS)})\s+")
_EMAIL = re.compile(r"([a-z0-9][a-z0-9._%+\-]*)@([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)")
_HANDLE = re.compile(r"@?[a-z0-9](?:[a-z0-9._\-]*[a-z0-9])?")


def key(local: str) -> str:
    """The key of an address's part before the @, or of a handle (see the module docstring)."""
    return _key_of_folded(normalise.fold(local).text)


_NOT_IN_KEY = re.compile(r"[^a-z0-9]")


def _key_of_folded(folded: str) -> str:
    return _NOT_IN_KEY.sub("", folded.lstrip("@").split("+", 1)[0])


def _rewritten(plain: str, separators: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """``plain`` with each (start, end, symbol) of ``separators`` (spelled-out "at" and "dot")
    written as its symbol; and, for each character of the copy, the span of ``plain`` it came from."""
    pieces: list[str] = []
    origin: list[tuple[int, int]] = []
    position = 0
    for start, end, symbol in sorted(separators):
        if start < position:
            continue
        pieces += (plain[position:start], symbol)
        origin += zip(range(position, start), range(position + 1, start + 1), strict=True)
        origin.append((start, end))
        position = end
    pieces.append(plain[position:])
    origin += zip(range(position, len(plain)), range(position + 1, len(plain) + 1), strict=True)
    return "".join(pieces), origin


def addresses(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(key, domain, start, end) of each e-mail address in ``text``, spelled-out ones too.

    Kept for the last texts read: the profile and the scan each ask for a text's addresses
    several times."""
    return _addresses(text)


def forget_texts() -> None:
    """Empty the caches that hold what she wrote (``_addresses``, and how common the words read
    were: ``words.frequency``)."""
    _addresses.cache_clear()
    words.frequency.cache_clear()


@functools.lru_cache(maxsize=64)
def _addresses(text: str) -> tuple[tuple[str, str, int, int], ...]:
    return tuple(_each_address(text))


def _each_address(text: str) -> Iterator[tuple[str, str, int, int]]:
    folded = normalise.fold(text)
    plain = folded.text
    separators = [(m.start(), m.end(), "@") for m in _AT.finditer(plain)]
    if not separators and "@" not in plain:
        return  # no address is written without an @, spelled out or not
    separators += [(m.start(), m.end(), ".") for m in _DOT.finditer(plain)]
    rewritten, origin = _rewritten(plain, separators)
    for match in _EMAIL.finditer(rewritten):
        first, last = origin[match.start()][0], origin[match.end() - 1][1] - 1
        while first < len(plain) and plain[first].isspace():
            first += 1
        start, end = folded.span(first, last + 1)
        yield _key_of_folded(match.group(1)), match.group(2), start, end


_DOMAIN = re.compile(r"(?<![a-z0-9.\-])(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,63}(?![a-z0-9\-])")


def domain_key(domain: str) -> str:
    """A domain as compared: lower case, without a leading "www."."""
    domain = domain.lower().strip(".")
    return domain[4:] if domain.startswith("www.") else domain


# Mail services whose domain changes with the country (hotmail.fr, yahoo.com.br, outlook.co.uk,
# protonmail.ch): known by the name before the country's part.
PUBLIC_MAIL_NAMES = frozenset(
    {
        "gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "msn", "icloud", "aol",
        "protonmail", "proton", "gmx", "yandex", "zoho", "tutanota", "tuta", "mail", "email", "web",
        "orange", "free", "laposte", "libero", "virgilio", "seznam", "wp", "onet", "interia", "o2",
        "abv", "uol", "bol", "terra",
    }
)  # fmt: skip


def is_public_mail(domain: str) -> bool:
    """Whether ``domain`` is a public mail service's, where anyone has an address."""
    key = domain_key(domain)
    return key in PUBLIC_MAIL_DOMAINS or key.split(".", 1)[0] in PUBLIC_MAIL_NAMES


def her_domains(text: str) -> set[str]:
    """The domains of the e-mail addresses in ``text`` that are not a public mail service's
    (``is_public_mail``): her own site's or her agency's name her."""
    found = {domain_key(domain) for _, domain, _, _ in addresses(text)}
    return {d for d in found if "." in d and not is_public_mail(d)}


# An ordinary word of the scheme's languages (one home: ``words``).
is_common_word = words.is_common_word


def names_a_person(key: str) -> bool:
    """Whether the part before the @ (as a key) can name her: not a role's mailbox (info@,
    bookings@) nor an ordinary word (massage@, escort@), which as a key of hers would block the
    word in every alert. Her address is protected whole either way (``Profile.mailboxes``)."""
    return len(key) >= MIN_KEY and key not in ROLE_MAILBOXES and not is_common_word(key)


# A dot set apart by spaces, as in "example . org".
_SPACED_DOT = re.compile(r"\s+\.\s*|\s*\.\s+")


def domains(text: str) -> Iterator[tuple[str, int, int]]:
    """(domain key, start, end) of each domain name written in ``text`` (as in a web or e-mail
    address: velvetrooms-leeds.co.uk, www.example.org), its dots spelled out too ("example dot
    org", "example[.]org", "exemplu punct ro", "example . org")."""
    folded = normalise.fold(text)
    plain = folded.text
    separators = [(m.start(), m.end(), ".") for m in _DOT.finditer(plain)]
    separators += [(m.start(), m.end(), ".") for m in _SPACED_DOT.finditer(plain)]
    for match in _DOMAIN.finditer(plain):
        start, end = folded.span(match.start(), match.end())
        yield domain_key(match.group()), start, end
    if separators:
        # Read again with the dots written out: a sentence's end may join words there too, so
        # the text as written is read above as well.
        rewritten, origin = _rewritten(plain, separators)
        for match in _DOMAIN.finditer(rewritten):
            start, end = folded.span(origin[match.start()][0], origin[match.end() - 1][1])
            yield domain_key(match.group()), start, end


def handles(text: str) -> Iterator[tuple[str, int, int, bool]]:
    """(key, start, end, marked) of each handle-like word in ``text``; ``marked`` when it
    began with an @ or held a dot, underscore or hyphen inside."""
    folded = normalise.fold(text)
    for match in _HANDLE.finditer(folded.text):
        word = match.group()
        marked = word.startswith("@") or "." in word or "_" in word or "-" in word
        start, end = folded.span(match.start(), match.end())
        yield _key_of_folded(word), start, end, marked


def _reads_as_at(raw: str) -> bool:
    """True when the first character of ``raw`` that shows anything reads as an @ (as ``fold``
    reads it). Read one character at a time, not through ``fold``, so that the words of one text
    do not push its whole texts out of ``fold``'s small cache."""
    for ch in raw:
        reading = normalise.visual(ch)
        if reading:
            return reading.startswith("@")
    return False


def _written_as_time(raw: str) -> bool:
    """Whether ``raw`` is written only as a time or date is: real digits, separators and an
    am/pm or hours ending (11.30pm, 2315hrs, 20.11.2026). Letters that only look like digits
    (lo.lo, io.21) are an account name's, even where the time reader takes them for digits."""
    shown = "".join(ch for ch in raw if not (normalise.is_invisible(ch) or normalise.is_mark(ch))).lower()
    shown = normalise.TIME_ENDING.sub("", shown)
    return any(ch.isdigit() for ch in shown) and all(ch.isdigit() or ch in ".:/-_h " for ch in shown)


# Services where she may have an account, as people name them before it ("snapchat kittyjade",
# "onlyfans: JadeKitten"): in her contact details the word after one is an account name.
# (Words that are also ordinary words, such as line, signal or threads, are left out.)
PLATFORMS = (
    "snapchat", "onlyfans", "fansly", "insta", "instagram", "ig", "tiktok", "twitter", "telegram",
    "kik", "skype", "adultwork", "vivastreet", "facebook", "fb", "bluesky", "reddit", "discord",
    "twitch", "youtube", "viber", "wechat",
)  # fmt: skip
_AFTER_PLATFORM = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(PLATFORMS) + r")(?![a-z0-9])\s*(?:[:=\-–—]|is|id|name|jest|to|este|e)?\s*"
    r"(?P<handle>@?[a-z0-9](?:[a-z0-9._\-]*[a-z0-9])?)"
)


# In her own account only a service named as hers ("my insta is jadek_99") says the account is
# hers: "his snapchat was gazza99" is his.
_AFTER_MY_PLATFORM = re.compile(r"(?<![a-z0-9])(?:my|moj|moje|moim|meu|minha)\s+" + _AFTER_PLATFORM.pattern)


def _after_platforms(text: str, *, hers_only: bool = False) -> set[str]:
    """Keys of the words that follow a service's name in ``text`` (``PLATFORMS``); with
    ``hers_only``, one named as hers (``_AFTER_MY_PLATFORM``)."""
    from ugly_mugs.disclosure import people  # people reads the profile, which reads this module

    folded = normalise.fold(text).text
    pattern = _AFTER_MY_PLATFORM if hers_only else _AFTER_PLATFORM
    found = {m.group("handle") for m in pattern.finditer(folded)}
    # "not on facebook any more": a common little word is not an account name.
    return {_key_of_folded(h) for h in found if h.lstrip("@") not in PLATFORMS and not people.is_little_word(h)}


def her_handles(text: str, *, contact_field: bool) -> set[str]:
    """Keys of the handles in what she wrote: after an @ anywhere; in her contact details
    also words that name an account (letters with digits, or a dot or underscore inside)."""
    found: set[str] = set()
    if not contact_field:
        found.update(k for k in _after_platforms(text, hers_only=True) if len(k) >= MIN_KEY and not k.isdigit())
    if not contact_field and "@" not in normalise.fold(text).text:
        # Outside her contact details only a word after an @ (or a sign that reads as one:
        # ＠, ﹫ …) is a handle: none without one.
        return found
    emails = [(s, e) for _, _, s, e in addresses(text)]
    # In her contact details a time or date ("text after 11.30pm") is not an account name.
    told = [(s, e) for _, s, e in (*times.times(text), *times.dates(text))] if contact_field else []
    for value, start, end, _ in handles(text):
        if any(s <= start < e for s, e in emails):
            continue
        raw = text[start:end]
        account_like = _reads_as_at(raw)
        a_time = _written_as_time(raw) and any(s <= start and end <= e for s, e in told)
        if contact_field and not account_like and not a_time:
            account_like = (
                bool(re.search(r"[^\W\d_]", raw)) and bool(re.search(r"\d", raw)) or bool(re.search(r"\w[._]\w", raw))
            )
        if account_like and len(value) >= MIN_KEY and not value.isdigit():
            found.add(value)
    if contact_field:
        found.update(k for k in _after_platforms(text) if len(k) >= MIN_KEY and not k.isdigit())
    return found
