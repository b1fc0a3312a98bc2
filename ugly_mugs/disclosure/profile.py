"""What identifies the reporter, drawn from a report's opened sections: the guard's ``Profile``.

Sources, every version of each section:

* the **identity section**: the name she gave (its words, not "no name" and the like, and
  each two of them side by side run together in either order: JadeKowalska), a name she gives
  in her contact details after a cue such as "ask for" or "this is" (``NAME_CUES``), her
  contact details (phone numbers, e-mail addresses — the part before the @ unless it is a
  role's such as info@, and the domain unless it is a public mail service's —, handles,
  streets and postcodes in them),
  the exact place (streets with house numbers, postcodes, the place as written) and the
  exact date and time, and every phone number, address, street, postcode, date and time
  written anywhere in it;
* **where he took her** (``where_taken``, kept in the identity section; in the perpetrator
  section in reports filed before): often her home, so it is protected like her place;
* fields of hers withheld from the incident and perpetrator sections at filing (the identity
  section's ``withheld`` list, ``reports.withholding``) are read as her own words;
* **her own words** (every free-text value of the incident section): a name she gives after
  "my name is" and the like (``OWN_NAME_CUES``), the phone numbers, e-mail addresses and
  @handles in them, unless they are his — given in the perpetrator
  section's lists or in what she wrote about him. A number she did not give as his is
  treated as possibly hers: blocking a number of his costs a rewording, leaking hers could
  cost her life.

**Where she says she lives** ("I live at", "my flat on", "she lives at", "… is where I live":
``home``), in her own words or in what she wrote about him: that street and postcode.

The perpetrator's **declared identifiers** (his phone numbers, e-mails, usernames, plate and
the name he used, and the numbers and addresses in what she wrote about him) are kept as
``declared``: the guard never blocks them. Should one of them also identify her (the same
number in her contact details), the identity section wins (``disclosure.profile_from``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from ugly_mugs.disclosure import contacts, home, numbers, places, times, words

# What people type into "What should we call you?" when they give no name; these words alone
# would block almost every alert ("no condom") while identifying nobody.
NOT_A_NAME = {
    "no", "none", "name", "not", "given", "anon", "anonymous", "prefer", "say", "rather", "just", "me",
    "my", "call", "the", "and", "or", "n/a", "na", "nothing", "nobody", "unknown",
}  # fmt: skip
# Phrases after which people give, in their contact details, the name to ask for or to call them
# by ("Ask for Jade at the drop-in", "This is Jade, text me"), in the scheme's five languages.
NAME_CUES = (
    "ask for", "asking for", "this is", "it's", "it is", "my name is", "my name's", "i'm", "i am",
    "call me", "known as", "ask at the desk for",
    "pytaj o", "zapytaj o", "pytać o", "mam na imię", "nazywam się", "jestem", "to ja",
    "întreabă de", "intreaba de", "mă numesc", "ma numesc", "numele meu este", "numele meu e", "sunt",
    "питай за", "попитай за", "казвам се", "името ми е", "аз съм", "викат ми",
    "pergunte por", "pergunte pela", "pergunte pelo", "meu nome é", "me chamo", "sou a", "sou o",
    "me chamam de",
)  # fmt: skip
# Of those, the ones that give a name in her own account too ("My name is Jade"); "I am" or
# "jestem" there more often say what she is ("I am Polish").
OWN_NAME_CUES = (
    "my name is", "my name's", "call me", "mam na imię", "nazywam się", "mă numesc", "ma numesc",
    "numele meu este", "numele meu e", "казвам се", "името ми е", "meu nome é", "me chamo",
    "me chamam de",
)  # fmt: skip


def _cued(cues: tuple[str, ...]) -> re.Pattern:
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + r")\s+"
        r"(?P<names>\w[\w'’-]*(?:\s+\w[\w'’-]*)?)",
        re.IGNORECASE,
    )


_CUED = _cued(NAME_CUES)
_OWN_CUED = _cued(OWN_NAME_CUES)
# Incident fields that are chosen from lists, not written.
STRUCTURED = {"part_of_day", "categories"}
# Fields that locate her rather than describe him: kept in the identity section, and in the
# perpetrator section of reports filed before.
HER_PLACE_FIELDS = ("where_taken",)
PLACE_KEYS = ("place", *HER_PLACE_FIELDS)
# The identity section's list of her fields withheld from the other sections (reports.withholding).
WITHHELD_KEY = "withheld"
DECLARED_LISTS = ("phone_numbers", "emails", "usernames")


@dataclass(frozen=True)
class Name:
    value: str  # the word as she typed it
    forms: words.Forms
    # Two of her name words run together ("JadeKowalska"): only a word of ``JOINED_LETTERS`` or
    # more characters can be one (the scan skips shorter ones; most words of a text are).
    joined: bool = False


JOINED_LETTERS = 4


@dataclass(frozen=True)
class Profile:
    """What must not leave the scheme, normalised for matching."""

    names: tuple[Name, ...] = ()
    phones: frozenset[str] = frozenset()  # national significant numbers
    emails: frozenset[str] = frozenset()  # keys of her addresses (contacts.key)
    handles: frozenset[str] = frozenset()  # keys of her handles
    domains: frozenset[str] = frozenset()  # her addresses' domains, but public mail services' (contacts.domain_key)
    mailboxes: frozenset[tuple[str, str]] = frozenset()  # her addresses whole: (key, domain key)
    postcodes: frozenset[str] = frozenset()  # places.postcode_key
    streets: tuple[places.Street, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()  # places as she wrote them, word by word
    dates: frozenset[tuple[int, int, int | None]] = frozenset()
    times: frozenset[int] = frozenset()  # minutes of the day
    declared: tuple[str, ...] = ()  # his identifiers, as written
    allowed: tuple[str, ...] = ()  # those of ``declared`` that reveal nothing of hers
    region: str = "GB"
    _street_matchers: tuple = field(default=(), compare=False, repr=False)
    _phrase_forms: tuple = field(default=(), compare=False, repr=False)
    # What scanning reads once per profile rather than once per text (``scan``), keyed by what it
    # was read from.
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __bool__(self) -> bool:
        kinds = (self.names, self.phones, self.emails, self.handles, self.domains, self.mailboxes)
        return any((*kinds, self.postcodes, self.streets))

    def with_allowed(self, allowed: Iterable[str]) -> Profile:
        return replace(self, allowed=tuple(allowed))


def strings(value) -> Iterator[str]:
    """Every string inside a section value (nested dicts and lists)."""
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def _name_words(name: str) -> Iterator[str]:
    for word in words.words(name):
        raw = name[word.start : word.end]
        plain = word.plain()
        if len(plain) >= 2 and plain not in NOT_A_NAME and not plain.isdigit():
            yield raw


def _introduced(text: str, cued: re.Pattern = _CUED) -> Iterator[str]:
    """Names given after a cue in her contact details (``NAME_CUES``; ``_OWN_CUED`` for her own
    account): the one or two words that follow, each written with a capital and not a common
    little word of the five languages."""
    from ugly_mugs.disclosure import people  # people reads Profile: imported when first needed

    for match in cued.finditer(text):
        for raw in match.group("names").split():
            raw = raw.strip("'’-")
            if len(raw) < 2 or not raw[0].isupper() or people.is_little_word(raw) or raw.casefold() in NOT_A_NAME:
                break
            yield raw


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(text[w.start : w.end] for w in words.words(text))


def build(
    identity: Iterable[Mapping],
    her_free_text: Iterable[str],
    perpetrator: Iterable[Mapping],
    region: str = "GB",
) -> Profile:
    """The profile of the reporter from her sections' versions (see the module docstring);
    ``allowed`` is left empty for ``disclosure.profile_from`` to fill."""
    identity, perpetrator = list(identity), list(perpetrator)
    her_free_text = [*her_free_text, *(text for v in identity for text in strings(v.get(WITHHELD_KEY) or []))]
    names: dict[str, Name] = {}
    phones: set[str] = set()
    emails: set[str] = set()
    handles: set[str] = set()
    domains: set[str] = set()
    mailboxes: set[tuple[str, str]] = set()
    postcodes: set[str] = set()
    streets: dict[places.Street, None] = {}
    phrases: dict[tuple[str, ...], None] = {}
    dates: set[tuple[int, int, int | None]] = set()
    minutes: set[int] = set()

    def locate(text: str, *, contact: bool) -> None:
        phones.update(n for n, _, _ in numbers.numbers_in(text, region))
        emails.update(_keys(text))
        mailboxes.update(_mailboxes(text))
        domains.update(contacts.her_domains(text))
        handles.update(contacts.her_handles(text, contact_field=contact))
        postcodes.update(places.postcodes(text))
        streets.update(dict.fromkeys(places.streets(text)))

    her_places = [str(v.get(f) or "") for v in [*identity, *perpetrator] for f in PLACE_KEYS if f in v]
    for version in identity:
        name_words = list(_name_words(str(version.get("name") or "")))
        # Her name run together too, in either order ("#JadeKowalska", "kowalskajade").
        joined = [a + b for a, b in zip(name_words, name_words[1:], strict=False)]
        joined += [b + a for a, b in zip(name_words, name_words[1:], strict=False)]
        for raw in name_words:
            # One entry per word as written (case aside): ``words.loosen`` knows only Latin vowels,
            # so on Cyrillic it would take Бааба and Бабаа for one name and keep only the first.
            names.setdefault(raw.casefold(), Name(raw, words.name_forms(raw)))
        for raw in joined:
            names.setdefault(raw.casefold(), Name(raw, words.name_forms(raw), joined=True))
        raw_date = str(version.get("date") or "")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
            year, month, day = (int(p) for p in raw_date.split("-"))
            dates.add((day, month, year))
        for key, value in version.items():
            if key == WITHHELD_KEY:
                continue
            for text in strings(value):
                locate(text, contact=key not in PLACE_KEYS)
                if key not in PLACE_KEYS:
                    for raw in _introduced(text):
                        names.setdefault(raw.casefold(), Name(raw, words.name_forms(raw)))
                dates.update(d for d, _, _ in times.dates(text))
                for found, _, _ in times.times(text):
                    minutes.update(found)
    for text in her_places:
        locate(text, contact=False)
        phrase = _phrase(text)
        if len(phrase) >= 2:
            phrases.setdefault(phrase, None)

    declared = _declared(perpetrator, region)
    his_text = "\n".join(declared)
    his_numbers = {n for n, _, _ in numbers.numbers_in(his_text, region)}
    his_keys = {k for k, _, _, _ in contacts.addresses(his_text)} | {k for k, _, _, _ in contacts.handles(his_text)}
    his_domains = contacts.her_domains(his_text)
    his_mailboxes = _mailboxes(his_text)
    for text in her_free_text:
        for raw in _introduced(text, _OWN_CUED):
            names.setdefault(raw.casefold(), Name(raw, words.name_forms(raw)))
        phones.update(n for n, _, _ in numbers.numbers_in(text, region) if n not in his_numbers)
        emails.update(_keys(text) - his_keys)
        mailboxes.update(_mailboxes(text) - his_mailboxes)
        domains.update(contacts.her_domains(text) - his_domains)
        handles.update(contacts.her_handles(text, contact_field=False) - his_keys)
    # Where she says she lives, in her own words or in what she wrote about him.
    his_free_text = [
        text for v in perpetrator for k, value in v.items() if k not in DECLARED_LISTS for text in strings(value)
    ]
    for text in [*her_free_text, *his_free_text]:
        home_streets, home_postcodes = home.her_home(text)
        streets.update(dict.fromkeys(home_streets))
        postcodes.update(home_postcodes)
    handles.update(emails)
    street_list = tuple(streets)
    phrase_list = tuple(phrases)
    return Profile(
        names=tuple(names.values()),
        phones=frozenset(phones),
        emails=frozenset(emails),
        handles=frozenset(handles),
        domains=frozenset(domains),
        mailboxes=frozenset(mailboxes),
        postcodes=frozenset(postcodes),
        streets=street_list,
        phrases=phrase_list,
        dates=frozenset(dates),
        times=frozenset(minutes),
        declared=tuple(dict.fromkeys(declared)),
        region=region,
        _street_matchers=tuple(places.StreetMatcher(s) for s in street_list),
        _phrase_forms=tuple(tuple(words.exact_forms(w) for w in p) for p in phrase_list),
    )


def _keys(text: str) -> set[str]:
    """Keys of the e-mail addresses in ``text`` that can name a person (``contacts.names_a_person``):
    not a role's mailbox nor an ordinary word (such an address is hers by its domain, or whole)."""
    return {k for k, _, _, _ in contacts.addresses(text) if contacts.names_a_person(k)}


def _mailboxes(text: str) -> set[tuple[str, str]]:
    """(key, domain) of every e-mail address in ``text``: each is hers whole, whatever its parts."""
    return {(k, contacts.domain_key(d)) for k, d, _, _ in contacts.addresses(text)}


def _declared(perpetrator: list[Mapping], region: str) -> list[str]:
    """His identifiers as written: lists, plate, name used, and what she wrote about him."""
    found: list[str] = []
    for version in perpetrator:
        for key in DECLARED_LISTS:
            found += [str(v) for v in version.get(key) or [] if v]
        vehicle = version.get("vehicle") or {}
        if isinstance(vehicle, Mapping) and vehicle.get("registration"):
            found.append(str(vehicle["registration"]))
        if version.get("name_used"):
            found.append(str(version["name_used"]))
        for key, value in version.items():
            if key in (*DECLARED_LISTS, "vehicle", "name_used", *HER_PLACE_FIELDS):
                continue
            for text in strings(value):
                found += [text[s:e] for _, s, e in numbers.numbers_in(text, region)]
                found += [text[s:e] for _, _, s, e in contacts.addresses(text)]
    return found


def her_free_text(incident: Iterable[Mapping]) -> list[str]:
    """Her own words in the incident section (every version): every value not chosen from a list."""
    return [
        text
        for version in incident
        for key, value in version.items()
        if key not in STRUCTURED
        for text in strings(value)
    ]
