"""Where she says she lives, in her own words: the street and postcode of her home (P2).

A report's free text often says where she lives: "I live at 14 Mill Road", "he followed me home
to 14 Mill Road", "my flat on Mill Road", "my postcode is LS6 2AB", "14 Mill Road is where I
live"; an outreach worker filing for her writes "she lives at …", "her flat on …". What locates
her is identity-level whichever field she typed it into, so that street and postcode join her
profile (``profile.build``), are withheld from the sections police hold below "full report" and
block alerts.

A phrase is read as giving her home only when it is built to (in the scheme's five languages):

- a verb of living or staying, in the first person (singular or plural, present or past) or
  hers in the third ("she lives", "ona mieszka", "тя живее", "ea locuiește", "ela mora"),
  followed by a preposition of place ("at", "on", "in", "na", "pe", "на", "na"): "I live in
  Leeds" is read, "I live for my kids" and "I stay away from …" are not;
- her home as a noun ("my flat", "her house", "outside mine", "mieszkanie", "casa mea", "моят
  дом", "minha casa"), followed by such a preposition ("my place to …" is not);
- "followed me home to", "took her home to" and the like;
- her address or postcode given ("my address is", "my postcode:", "adresa mea este", "meu CEP
  é");
- the address before "… is where I live" (or stay), or after "where I live," .

What follows the phrase is read up to the end of its clause: a sentence's end, a comma, a
semicolon or a dash, or a conjunction ("but", "and", "so", "ale", "dar", "но", "mas"); a
postcode just after a comma still belongs to it ("14 Mill Road, LS6 2AB"). Of each clause the
first street and the first postcode are hers: later ones are more often where it happened.
"""

from __future__ import annotations

import re

from ugly_mugs.disclosure import places, words

# Apostrophes, spaces and invisible characters as phones and pasted text write them, read as
# the plain ones (one character for one, so that offsets stay).
_PLAIN_CHARS = str.maketrans(
    {
        **dict.fromkeys("’‘ʼ`´′＇", "'"),
        **dict.fromkeys("\u00a0\u2009\u202f\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad", " "),
    }
)

# Prepositions of place after which her address follows.
_PLACE = (
    r"(?:at|on|in|off|near|by|opposite|behind|above|over|down|up|round|around|next\s+to"
    r"|na|w|we|przy|obok|pod|koło|kolo|u"
    r"|pe|în|la|lângă|langa"
    r"|на|в|във|до|при|зад"
    r"|no|nos|nas|em|perto\s+d[aoe]s?|ao\s+lado\s+d[aoe]s?)"
)
# Who lives there: she (first person, alone or with others, or the third, as outreach workers
# write: "she", "client").
_SUBJECT = (
    r"(?:(?:i|we|she|client|the\s+client|me\s+and\s+my\s+\w+|my\s+\w+\s+and\s+i)"
    r"(?:'m|'ve|'re|'s|\s+am|\s+are|\s+is|\s+have|\s+has|\s+was|\s+were)?|im|ive)"
)
# Living or staying, with the little words that may stand before or after the verb.
_LIVING = (
    rf"{_SUBJECT}(?:\s+(?:been|just|now|currently|still|also|used\s+to))*"
    r"\s+(?:lives?|lived|living|stays?|stayed|staying|resides?|resided|residing"
    r"|rent(?:s|ed|ing)?(?:\s+a\s+(?:room|flat|place|house))?)"
    r"(?:\s+(?:with\s+(?:my|her|our)\s+\w+|alone|also|just|still|now|currently|together))*"
    r"|mieszkam|mieszkamy|mieszkałam|mieszkałem|mieszkałyśmy|mieszkaliśmy|ona\s+mieszka|wynajmuję(?:\s+pokój)?"
    r"|locuiesc|locuim|locuiam|ea\s+locuiește|ea\s+locuieste"
    r"|живея|живеем|живеех|тя\s+живее"
    r"|(?:eu\s+)?(?:moro|moramos|morava|morávamos|resido|residia)|ela\s+mora|ela\s+morava"
)
# Her home as a noun, hers or theirs ("my flat", "outside mine").
_HER_HOME = (
    r"(?:my|her|our)\s+(?:own\s+)?(?:flat|house|home|place|room|bedsit|apartment)(?:\s+(?:is|was)|'s)?"
    r"|(?:outside|back\s+to|at|near|round|round\s+to|over\s+to)\s+(?:mine|hers|ours)"
    r"|(?:moje|jej|nasze)\s+mieszkanie(?:\s+jest)?|(?:mój|moj|jej|nasz)\s+dom(?:\s+jest)?"
    r"|(?:casa|apartamentul|domiciliul)\s+(?:mea|meu|ei|noastră|nostru)(?:\s+(?:este|e|era))?"
    r"|(?:моят|нейният|нашият)\s+дом(?:\s+е)?|(?:домът|квартирата|апартаментът)\s+(?:ми|й|ѝ)(?:\s+е)?"
    r"|(?:minha|nossa)\s+casa(?:\s+(?:é|fica))?|(?:meu|nosso)\s+apartamento(?:\s+(?:é|fica))?"
)
_TAKEN_HOME = (
    r"(?:followed|walked|drove|took|dropped|brought|came\s+back|went\s+back)\s+(?:me|her|us)\s+(?:back\s+)?home"
    r"\s+(?:to|at)"
)
# Her address or postcode given as such, or as a label at the start of a line ("Address: …").
_GIVEN = r"(?:\s+is|\s+was|'s|\s*:|,(?=\s*\d))"
_ADDRESS = (
    rf"(?:my|her|our)\s+(?:home\s+)?(?:address|postcode|post\s+code|zip\s+code){_GIVEN}"
    r"|^[ \t]*(?:home\s+address|address|home|adres|adresa|адрес|endereço|endereco|morada)[ \t]*:"
    r"|(?:mój|moj|jej)\s+(?:adres|kod\s+pocztowy)(?:\s+to|\s*:)"
    r"|(?:adresa|codul\s+poștal|codul\s+postal)\s+(?:mea|meu|ei)(?:\s+(?:este|e)|\s*:)"
    r"|(?:моят|нейният)\s+адрес(?:\s+е|\s*:)|адрес(?:ът|а)\s+(?:ми|й|ѝ)(?:\s+е|\s*:)"
    r"|(?:meu|seu)\s+(?:endereço|endereco|cep)(?:\s+é|\s*:)|(?:minha|sua)\s+morada(?:\s+é|\s*:)"
)
_WHERE = r"where\s+(?:i|we|she)(?:'m|\s+am|'s|\s+is|\s+was)?\s+(?:lives?|lived|living|stays?|stayed|staying)"
# "Where I live, 14 Mill Road", "where I live (14 Mill Road)": a house number after a sign.
_WHERE_THEN = rf"{_WHERE}(?=\s*[,:(\-–—]\s*\d)"
_BEFORE_ADDRESS = re.compile(
    rf"(?<!\w)(?:(?:{_LIVING}|{_HER_HOME})\s+{_PLACE}|{_TAKEN_HOME}|{_ADDRESS}|{_WHERE_THEN})(?!\w)",
    re.IGNORECASE | re.MULTILINE,
)
# "14 Mill Road is where I live", "… is my home".
_AFTER_ADDRESS = re.compile(
    rf"(?<!\w)(?:(?:is\s+|was\s+)?{_WHERE}|(?:is|was)\s+(?:my|her|our)\s+(?:home|flat|house|address))(?!\w)",
    re.IGNORECASE,
)
# Where a clause ends: a line, a sentence's end (not the dot of a short form: "ul. Długa",
# "St. Mary's"), a comma, semicolon, bracket or dash, or a conjunction.
_CLAUSE_END = re.compile(
    r"[\n!?;,()—–]|\s-\s|\.(?=\s|$)"
    r"|\s(?:but|and|so|then|when|because|until|while|since|after|before|where|as|if|though|although"
    r"|i|ale|lecz|więc|dar|iar|apoi|și|si|но|и|а|mas|e|porém|então|quando)\s",
    re.IGNORECASE,
)
_CLAUSE_CHARS = 100
# A part after a comma that goes on with the address (a house number, a place, a town, a
# postcode: "flat 3, 14 Mill Road", "14 Mill Road, Leeds, LS6 2AB"), not with the story.
_GOES_ON = re.compile(rf"\s*(?:\d|{_PLACE}\s|[A-ZÀ-ÖØ-ÞА-Я])")
_NOT_A_PLACE = re.compile(
    r"\s*(?:(?:he|she|i|we|they|it|then|and|but|so|when|el|ea|ele|ela|ona|той|тя)\b"
    # Polish "on" (he) before his verb, not the English preposition before a place.
    r"|on\s+(?!the\b|a\b)(?-i:[a-ząćęłńóśźż]))",
    re.IGNORECASE,
)
_MOST_PARTS = 3
# A clause about his place or car, not hers ("I was staying at his flat on …").
_HIS = re.compile(r"\b(?:his|him|jego|lui|негов\w*|dele)\b", re.IGNORECASE)


def _plain(text: str) -> str:
    return text.translate(_PLAIN_CHARS)


def _clause_after(text: str, start: int) -> str:
    """``text`` from ``start`` to the end of its clause, with the parts after its commas that
    go on with the address (``_GOES_ON``, at most ``_MOST_PARTS`` in all)."""
    rest = text[start : start + _CLAUSE_CHARS].lstrip(" \t\n,:-–—(")
    clause, parts = "", 0
    while True:
        end = _clause_end(rest)
        clause += rest[:end]
        parts += 1
        after = rest[end + 1 :]
        if end >= len(rest) or rest[end] != "," or parts >= _MOST_PARTS:
            return clause
        if not _GOES_ON.match(after) or _NOT_A_PLACE.match(after):
            return clause
        clause += ","
        rest = after


def _clause_end(rest: str) -> int:
    for end in _CLAUSE_END.finditer(rest):
        if end.group() == "." and _short_form_before(rest, end.start()):
            continue
        # A conjunction's match begins with its space: the clause ends there.
        return end.start()
    return len(rest)


def _clause_before(text: str, end: int) -> str:
    """``text`` before ``end`` back to the start of its sentence (at most ``_CLAUSE_CHARS``)."""
    before = text[max(0, end - _CLAUSE_CHARS) : end]
    return before[max(before.rfind(mark) for mark in ".!?\n;") + 1 :]


def _short_form_before(text: str, dot: int) -> bool:
    """Whether the word before ``text[dot]`` is a short form written with a dot (ul., St., ул.)."""
    before = words.words(text[:dot])
    return bool(before) and before[-1].end == dot and before[-1].plain() in places.SHORT_TYPES


def her_home(text: str) -> tuple[set[places.Street], set[str]]:
    """The streets and postcodes (``places.postcode_key``) ``text`` gives as where she lives:
    of each clause that says so, the first street and the first postcode after the phrase, and
    the last before "is where I live"; none from a clause about his place ("his flat on …") or
    from "not where I live"."""
    streets: set[places.Street] = set()
    postcodes: set[str] = set()
    plain = _plain(text)
    found = [(_clause_after(text, m.end()), slice(None, 1)) for m in _BEFORE_ADDRESS.finditer(plain)]
    found += [
        (_clause_before(text, m.start()), slice(-1, None))
        for m in _AFTER_ADDRESS.finditer(plain)
        if not re.search(r"\bnot\s*$", plain[: m.start()], re.IGNORECASE)
    ]
    for clause, which in found:
        if _HIS.search(clause):
            continue
        streets.update(list(places.streets(clause))[which])
        postcodes.update(list(places.postcodes(clause))[which])
    return streets, postcodes
