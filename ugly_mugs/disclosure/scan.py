"""Scanning one outgoing text against a profile: every place it repeats something of hers.

Each kind is found by its own reader (``words``, ``numbers``, ``contacts``, ``places``,
``times``), and every hit carries the span of the *original* text, so that the page can
mark exactly what the coordinator typed. A text is also read with the joins that disguise a
word undone (``disguise``: "J a d e", "J**ad**e"). Hits inside an occurrence of one of his
allowed identifiers (his plate, his number, his address, the name he used) are dropped: his
details never block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ugly_mugs.disclosure import contacts, disguise, numbers, places, times, words
from ugly_mugs.disclosure.profile import JOINED_LETTERS, Profile

# What each kind of hit says to the coordinator, after the words it marks.
LABELS = {
    "name": "is a form of the reporter's name",
    "phone": "is the reporter's phone number",
    "email": "is the reporter's e-mail address",
    "handle": "is the reporter's handle or account name",
    "domain": "is the domain of the reporter's e-mail address",
    "postcode": "is the reporter's postcode",
    "street": "names the reporter's street",
    "place": "repeats the place as the reporter wrote it",
    "date": "is the exact date",
    "time": "is the exact time",
}
ALL_KINDS = frozenset(LABELS)
PHONES = frozenset({"phone"})
_EXCERPT = 60


@dataclass(frozen=True)
class Hit:
    """One place in an outgoing text that repeats something identifying the reporter.

    ``start`` and ``end`` index the original text; ``protected`` is the normalised value
    that matched (for code, not for display); ``message`` is safe to show the coordinator
    who typed the text.
    """

    kind: str
    start: int
    end: int
    protected: str
    message: str


def excerpt(text: str, start: int, end: int) -> str:
    """The words of ``text[start:end]`` as the page quotes them: spacing folded, at most 60 characters."""
    shown = " ".join(text[start:end].split())
    return shown[: _EXCERPT - 1] + "…" if len(shown) > _EXCERPT else shown


def _hit(text: str, kind: str, start: int, end: int, protected: str) -> Hit:
    return Hit(kind, start, end, protected, f"“{excerpt(text, start, end)}” {LABELS[kind]}.")


def _found(text: str, profile: Profile, text_words: list[words.Word], kinds: frozenset[str]) -> Iterator[Hit]:
    """The hits in ``text``, his identifiers not yet left out; only the names and numbers of hers
    are skipped when not in ``kinds``, and with ``PHONES`` everything else is (the caller keeps
    ``kinds`` alone)."""
    long_words = None
    for name in profile.names if "name" in kinds else ():
        if name.joined:
            if long_words is None:
                long_words = [w for w in text_words if len(w.letters) >= JOINED_LETTERS]
            candidates = long_words
        else:
            candidates = text_words
        for word, matched in words.find(name.forms, candidates):
            yield _hit(text, "name", word.start, word.end, matched)
    phones = profile.phones if "phone" in kinds else ()
    text_runs = numbers.runs(text) if phones else []
    for number in phones:
        for start, end in numbers.search(text, number, text_runs):
            yield _hit(text, "phone", start, end, number)
    if kinds == PHONES:
        return
    mine = profile.emails | profile.handles
    # Reading every address and handle-like word of a text is slow; with none of hers to find, skipped.
    text_addresses = list(contacts.addresses(text)) if mine or profile.domains or profile.mailboxes else []
    for value, domain, start, end in text_addresses:
        if value in mine or (value, contacts.domain_key(domain)) in profile.mailboxes:
            yield _hit(text, "email", start, end, value)
    if mine:
        for value, start, end, _marked in contacts.handles(text):
            if value in mine:
                yield _hit(text, "handle", start, end, value)
    if profile.domains:
        # Written as a name (www.example.org), or in an address, its dots spelled out or not.
        in_addresses = ((contacts.domain_key(d), s, e) for _, d, s, e in text_addresses)
        written = [*contacts.domains(text), *in_addresses]
        for domain, start, end in written:
            # The domain itself (with or without www.), not its subdomains: the scheme's own
            # address may be one (alerts.example.org beside her example.org).
            if domain in profile.domains:
                yield _hit(text, "domain", start, end, domain)
    if profile.postcodes:
        compact = places.Compact.of(text)
        for postcode in profile.postcodes:
            for start, end in [*compact.find(postcode), *places.split_postcode(text, postcode)]:
                yield _hit(text, "postcode", start, end, postcode)
    for matcher in profile._street_matchers:
        for start, end in matcher.find(text, text_words):
            yield _hit(text, "street", start, end, " ".join(matcher.street.name))
    for phrase, forms in zip(profile.phrases, profile._phrase_forms, strict=True):
        for start, end in _sequence(forms, text_words):
            yield _hit(text, "place", start, end, " ".join(phrase))
    if profile.dates:
        for (day, month, year), start, end in times.dates(text, either_order=True):
            for d, m, y in profile.dates:
                if d == day and m == month and (year is None or y is None or y == year):
                    yield _hit(text, "date", start, end, f"{d}/{m}")
    if profile.times:
        for minutes, start, end in times.times(text):
            if minutes & profile.times:
                yield _hit(text, "time", start, end, ",".join(str(m) for m in sorted(minutes & profile.times)))


def _sequence(forms: tuple[words.Forms, ...], text_words: list[words.Word]) -> Iterator[tuple[int, int]]:
    n = len(forms)
    for i in range(len(text_words) - n + 1):
        if all(f.match(text_words[i + k]) for k, f in enumerate(forms)):
            yield text_words[i].start, text_words[i + n - 1].end


@dataclass(frozen=True)
class _Allowed:
    """One of his identifiers read every way ``allowed_spans`` looks for it in a text."""

    national: str | None  # as a phone number
    postcode: str  # places.postcode_key
    addresses: frozenset[str]  # keys of the e-mail addresses in it
    words: frozenset[str]  # its words, plain

    @classmethod
    def of(cls, value: str, region: str) -> _Allowed:
        return cls(
            numbers.national_number(value, region),
            places.postcode_key(value),
            frozenset(key for key, _, _, _ in contacts.addresses(value)),
            frozenset(w.plain() for w in words.words(value)),
        )


def _read_allowed(allowed: Iterable[str], region: str) -> list[_Allowed]:
    return [_Allowed.of(a, region) for a in allowed if a and a.strip()]


def _spans(text: str, allowed: list[_Allowed], text_words: list[words.Word] | None = None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if not allowed:
        return spans
    compact = places.Compact.of(text)
    addresses = list(contacts.addresses(text)) if any(a.addresses for a in allowed) else []
    text_words = words.words(text) if text_words is None else text_words
    text_runs = numbers.runs(text) if any(a.national for a in allowed) else []
    for value in allowed:
        if value.national:
            spans += numbers.search(text, value.national, text_runs)
        spans += compact.find(value.postcode)
        spans += [(s, e) for k, _, s, e in addresses if k in value.addresses]
    his_words = frozenset().union(*(value.words for value in allowed))
    spans += [(w.start, w.end) for w in text_words if w.plain() in his_words]
    return spans


def allowed_spans(text: str, allowed: Iterable[str], region: str) -> list[tuple[int, int]]:
    """Where his identifiers occur in ``text``, however they are spaced or spelled."""
    return _spans(text, _read_allowed(allowed, region))


def _profile_allowed(profile: Profile) -> list[_Allowed]:
    """``profile.allowed`` read once for every text the profile checks (kept in its cache, by
    value: ``Profile.with_allowed`` copies the cache along with the profile)."""
    key = ("allowed", profile.allowed, profile.region)
    if key not in profile._cache:
        profile._cache[key] = _read_allowed(profile.allowed, profile.region)
    return profile._cache[key]


def check(
    text: str, profile: Profile, *, allow: Iterable[str] | None = None, kinds: frozenset[str] = ALL_KINDS
) -> list[Hit]:
    """Every place in ``text`` that repeats something identifying the reporter, by start.

    ``allow`` are his identifiers as written (default: ``profile.allowed``); a hit that lies
    inside one of their occurrences is not one. ``kinds``: only hits of these kinds (of
    ``LABELS``; ``PHONES``: her phone numbers alone) are looked for.
    """
    if not text:
        return []
    his_ids = _profile_allowed(profile) if allow is None else _read_allowed(allow, profile.region)
    hits = _hits(text, profile, his_ids, kinds)
    # Read again with spaced-out letters joined and broken words mended ("J a d e", "J**ad**e"),
    # each hit marked where it was written.
    reading = disguise.undisguised(text)
    if reading is not None:
        hits |= {
            _hit(text, h.kind, *reading.span(h.start, h.end), h.protected)
            for h in _hits(reading.text, profile, his_ids, kinds)
        }
    return sorted(hits, key=lambda h: (h.start, -h.end, h.kind))


def _hits(text: str, profile: Profile, his_ids: list[_Allowed], kinds: frozenset[str]) -> set[Hit]:
    """The hits of ``kinds`` in ``text`` outside the occurrences of his identifiers ``his_ids``."""
    text_words = words.words(text) if kinds != PHONES else []
    hits = {hit for hit in _found(text, profile, text_words, kinds) if hit.kind in kinds}
    if hits:
        his = _spans(text, his_ids, text_words if kinds != PHONES else None)
        hits = {h for h in hits if not any(s <= h.start and h.end <= e for s, e in his)}
    return hits


def _merged(spans: Iterable[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def segments(text: str, hits: Iterable[Hit]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) pieces, overlapping hits merged, for highlighting.

    The pieces are plain text: a template escapes them and wraps the hits in <mark>.
    """
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in _merged((h.start, h.end) for h in hits):
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def redact(text: str, hits: Iterable[Hit], replacement: str) -> str:
    """``text`` with every hit replaced by ``replacement`` (overlapping hits once)."""
    return "".join(replacement if is_hit else piece for piece, is_hit in segments(text, hits))
