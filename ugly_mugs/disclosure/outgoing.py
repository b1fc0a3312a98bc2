"""The one door out: every text that leaves the scheme is judged here, and every passage police
may not see below "full report" is withheld here.

``guard`` is the function each outward path calls with the texts it is about to send (an
alert's title and body, an update, a retraction note, a covering note to police), keyed by
where they are on the page, and the reporter's profile. Its ``Verdict`` holds

* ``blocked``: passages that repeat something identifying her (``scan.check``); nothing may
  leave while there is one;
* ``flagged``: names of other people from her own account (``people``); the text may leave
  only once the person sending it has confirmed exactly these names.

``withhold`` is the same guard applied to what police open of a report below "full report":
every passage that repeats something of hers is replaced by ``WITHHELD``, and every field that
locates her (``LOCATING_KEYS``, for reports filed before those fields were kept in the identity
section) is withheld whole.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from ugly_mugs.disclosure import people, scan, words
from ugly_mugs.disclosure.profile import Profile

WITHHELD = "[withheld]"
# Keys of the incident and perpetrator sections that locate her whatever they hold: where he
# took her is often her home. Reports filed since it is kept in the identity section have none.
LOCATING_KEYS = ("where_taken",)


@dataclass(frozen=True)
class Found:
    """One passage of an outgoing text: ``where`` names the text (as the page labels it),
    ``hit`` locates the passage in it; ``message`` says, for the person who wrote it, which
    words and why."""

    where: str
    hit: scan.Hit
    phrase: str
    message: str
    name: str = ""  # a flagged passage: the name as her account writes it

    @property
    def kind(self) -> str:
        return self.hit.kind

    @property
    def start(self) -> int:
        return self.hit.start

    @property
    def end(self) -> int:
        return self.hit.end


def _found(where: str, text: str, hit: scan.Hit, why: str | None = None, name: str = "") -> Found:
    phrase = scan.excerpt(text, hit.start, hit.end)
    return Found(where, hit, phrase, f"“{phrase}” in {where} {why or scan.LABELS[hit.kind]}.", name)


def _named(others: Profile, text: str, hit: scan.Hit) -> str:
    """Which of the flagged names ``hit`` is a form of, as her account writes it."""
    found = words.words(text[hit.start : hit.end])
    for name in others.names:
        if found and name.forms.match(found[0]):
            return name.value
    return text[hit.start : hit.end]


@dataclass(frozen=True)
class Verdict:
    """What ``guard`` found; ``names`` are the flagged names' spellings, for confirming them."""

    blocked: list[Found] = field(default_factory=list)
    flagged: list[Found] = field(default_factory=list)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.flagged}))

    def confirmed_by(self, confirmed: Collection[str]) -> bool:
        """Whether ``confirmed`` (what the sender ticked) covers every flagged name."""
        return set(self.names) <= set(confirmed)

    def require(self, confirmed: Collection[str] = ()) -> None:
        """Raise ``Blocked`` while anything is blocked, ``NamesToConfirm`` while a flagged name
        is not in ``confirmed``."""
        if self.blocked:
            raise Blocked(self.blocked)
        if not self.confirmed_by(confirmed):
            raise NamesToConfirm(self.flagged, self.names)


class Blocked(ValueError):
    """The text repeats something identifying the reporter; the message lists every passage,
    in the words of the text, and where it is (safe to show to the staff member who wrote it)."""

    def __init__(self, found: list[Found]):
        self.found = found
        super().__init__("Not sent: " + " ".join(dict.fromkeys(f.message for f in found)) + " Change the marked words.")


class NamesToConfirm(ValueError):
    """The text names people from the reporter's account and nobody has confirmed them yet."""

    def __init__(self, found: list[Found], names: tuple[str, ...]):
        self.found = found
        self.names = names
        listed = ", ".join(dict.fromkeys(f"“{f.phrase}”" for f in found))
        super().__init__(
            f"The text names {listed}, from the reporter's own account. Make sure no such name can lead to "
            "her (her family, friends, neighbours), then tick the confirmation and send again."
        )


def guard(
    texts: Mapping[str, str], profile: Profile, her_words: Iterable[str] = (), known: Iterable[str] = ()
) -> Verdict:
    """Judge ``texts`` (where → text, e.g. ``{"Title": …, "Text": …}``) before they leave.

    ``profile`` is the reporter's (``disclosure.profile_from``); ``her_words`` are her own
    words in the report, searched for names of other people; ``known`` are words that are not
    people (area names, kinds of incident). Never raises; see ``Verdict.require``.
    """
    blocked: list[Found] = []
    flagged: list[Found] = []
    others = people.others(her_words, profile, known) if her_words else None
    for where, text in texts.items():
        text = text or ""
        hits = scan.check(text, profile)
        blocked += [_found(where, text, h) for h in hits]
        if others is not None and others.names:
            flagged += [
                _found(where, text, h, people.FLAG, _named(others, text, h))
                for h in scan.check(text, others, allow=())
                if not any(b.start < h.end and h.start < b.end for b in hits)
            ]
    return Verdict(blocked, flagged)


def _strings_withheld(value, profile: Profile):
    """``value`` (a section value: text, list or object) with every passage of hers withheld,
    and whether anything was."""
    if isinstance(value, str):
        hits = scan.check(value, profile)
        if not hits:
            return value, False
        return scan.redact(value, hits, WITHHELD), True
    if isinstance(value, Mapping):
        changed = False
        out = {}
        for key, item in value.items():
            out[key], was = _strings_withheld(item, profile)
            changed = changed or was
        return out, changed
    if isinstance(value, list | tuple) and value and all(isinstance(item, str) for item in value):
        return _items_withheld(list(value), profile)
    if isinstance(value, list | tuple):
        out_list, changed = [], False
        for item in value:
            kept, was = _strings_withheld(item, profile)
            out_list.append(kept)
            changed = changed or was
        return out_list, changed
    return value, False


def _items_withheld(items: list[str], profile: Profile) -> tuple[list[str], bool]:
    """A list of texts (a list field: one item per line she typed) judged as the lines they were,
    so that a number split over two lines is found; each item keeps the part of a hit inside it
    withheld."""
    joined = "\n".join(items)
    hits = scan.check(joined, profile)
    if not hits:
        return items, False
    shown: list[str] = []
    start = 0
    for item in items:
        end = start + len(item)
        inside = [
            replace(hit, start=max(hit.start, start) - start, end=min(hit.end, end) - start)
            for hit in hits
            if hit.start < end and start < hit.end
        ]
        shown.append(scan.redact(item, inside, WITHHELD) if inside else item)
        start = end + 1
    return shown, True


def withhold(content: Mapping, profile: Profile) -> tuple[dict, list[str]]:
    """One version of an incident or perpetrator section as police below "full report" may see
    it: passages repeating something of hers replaced by ``WITHHELD``, locating fields withheld
    whole. Returns the content and the keys of the fields that were changed."""
    shown: dict = {}
    changed: list[str] = []
    for key, value in content.items():
        if key in LOCATING_KEYS and value and value != WITHHELD:
            shown[key] = WITHHELD
            changed.append(key)
            continue
        shown[key], was = _strings_withheld(value, profile)
        if was:
            changed.append(key)
    return shown, changed
