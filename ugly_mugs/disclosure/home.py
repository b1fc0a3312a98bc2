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

# Apostrophes and spaces as phones and pasted text write them, read as the plain ones (one
# character for one, so that offsets stay).
_PLAIN_CHARS = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
)

# Prepositions of place after which her address follows.
_PLACE = (
    r"(?:at|on|in|off|near|by|opposite|behind|above|over|down|up|round|around|next\s+to"
    r"|na|w|we|przy|obok|pod|koło|kolo|u"
    r"|pe|în|la|lângă|langa"
    r"|на|в|във|до|при|зад"
    r"|no|nos|nas|em|perto\s+d[aoe]s?|ao\s+lado\s+d[aoe]s?)"
)
# Living or staying, first person (singular, plural, present, past) or hers in the third.
_LIVING = (
    r"(?:(?:i|we|she)(?:'m|'ve|'re|'s|\s+am|\s+are|\s+have|\s+has|\s+was|\s+were)?|im|ive)"
    r"(?:\s+(?:been|just|now|currently|still|used\s+to))*"
    r"\s+(?:lives?|lived|living|stays?|stayed|staying|rent(?:s|ed|ing)?(?:\s+a\s+(?:room|flat|place|house))?)"
    r"|mieszkam|mieszkamy|mieszkałam|mieszkałem|mieszkałyśmy|mieszkaliśmy|ona\s+mieszka|wynajmuję(?:\s+pokój)?"
    r"|locuiesc|locuim|locuiam|ea\s+locuiește|ea\s+locuieste|stau|stăm|stam|stăteam|ea\s+stă"
    r"|живея|живеем|живеех|тя\s+живее"
    r"|(?:eu\s+)?(?:moro|moramos|morava|morávamos|resido|residia)|ela\s+mora|ela\s+morava"
)
# Her home as a noun, hers or theirs ("my flat", "outside mine").
_HER_HOME = (
    r"(?:my|her|our)\s+(?:own\s+)?(?:flat|house|home|place|room|bedsit|apartment)(?:\s+(?:is|was))?"
    r"|(?:outside|back\s+to|at|near)\s+(?:mine|hers|ours)"
    r"|(?:moje|jej|nasze)\s+mieszkanie(?:\s+jest)?|(?:mój|moj|jej|nasz)\s+dom(?:\s+jest)?"
    r"|(?:casa|apartamentul|domiciliul)\s+(?:mea|meu|ei|noastră|nostru)(?:\s+(?:este|e|era))?"
    r"|(?:моят|нейният|нашият)\s+дом(?:\s+е)?|(?:домът|квартирата|апартаментът)\s+(?:ми|й|ѝ)(?:\s+е)?"
    r"|(?:minha|nossa)\s+casa(?:\s+(?:é|fica))?|(?:meu|nosso)\s+apartamento(?:\s+(?:é|fica))?"
)
_TAKEN_HOME = (
    r"(?:followed|walked|drove|took|dropped|brought|came\s+back|went\s+back)\s+(?:me|her|us)\s+home\s+(?:to|at)"
)
# Her address or postcode given as such.
_ADDRESS = (
    r"(?:my|her|our)\s+(?:home\s+)?(?:address|postcode|post\s+code|zip\s+code)(?:\s+is|\s+was|\s*:)"
    r"|home\s+address\s*:"
    r"|(?:mój|moj|jej)\s+(?:adres|kod\s+pocztowy)(?:\s+to|\s*:)"
    r"|(?:adresa|codul\s+poștal|codul\s+postal)\s+(?:mea|meu|ei)(?:\s+(?:este|e)|\s*:)"
    r"|(?:моят|нейният)\s+адрес(?:\s+е|\s*:)|адрес(?:ът|а)\s+(?:ми|й|ѝ)(?:\s+е|\s*:)"
    r"|(?:meu|seu)\s+(?:endereço|endereco|cep)(?:\s+é|\s*:)|(?:minha|sua)\s+morada(?:\s+é|\s*:)"
)
# "Where I live, 14 Mill Road": the address after a comma or colon.
_WHERE_THEN = r"where\s+(?:i|we|she)\s+(?:lives?|lived|stays?|stayed)(?=\s*[,:])"
_BEFORE_ADDRESS = re.compile(
    rf"(?<!\w)(?:(?:{_LIVING}|{_HER_HOME})\s+{_PLACE}|{_TAKEN_HOME}|{_ADDRESS}|{_WHERE_THEN})(?!\w)", re.IGNORECASE
)
_AFTER_ADDRESS = re.compile(
    r"(?<!\w)(?:is\s+|was\s+)?where\s+(?:i|we|she)\s+(?:lives?|lived|stays?|stayed)(?!\w)", re.IGNORECASE
)
# Where a clause ends: a line, a sentence's end (not the dot of a short form: "ul. Długa",
# "St. Mary's"), a comma, semicolon or dash, or a conjunction.
_CLAUSE_END = re.compile(
    r"[\n!?;,—–]|\s-\s|\.(?=\s|$)"
    r"|\s(?:but|and|so|then|when|because|until|while|i|ale|lecz|więc|dar|iar|apoi|și|si|но|и|а|mas|e|porém|então|quando)\s",
    re.IGNORECASE,
)
_CLAUSE_CHARS = 100
# The words just after a comma, where the clause's postcode may stand ("14 Mill Road, LS6 2AB").
_NEXT_WORDS = re.compile(r"\s*\S+(?:\s+\S+)?")


def _plain(text: str) -> str:
    return text.translate(_PLAIN_CHARS)


def _clause_after(text: str, start: int) -> str:
    """``text`` from ``start`` to the end of its clause, with a postcode just after its comma."""
    rest = text[start : start + _CLAUSE_CHARS].lstrip(" ,:-")
    for end in _CLAUSE_END.finditer(rest):
        if end.group() == "." and _short_form_before(rest, end.start()):
            continue
        clause = rest[: end.start()]
        if end.group() == ",":
            clause += _postcode_next(rest[end.end() :])
        return clause
    return rest


def _postcode_next(text: str) -> str:
    """The first words of ``text`` when a postcode begins them, else nothing."""
    words = _NEXT_WORDS.match(text)
    if words is None:
        return ""
    first = next(places.postcodes(words.group()), None)
    return " " + words.group() if first and places.postcode_key(words.group()).startswith(first) else ""


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
    the last before "is where I live"."""
    streets: set[places.Street] = set()
    postcodes: set[str] = set()
    plain = _plain(text)
    for match in _BEFORE_ADDRESS.finditer(plain):
        clause = _clause_after(text, match.end())
        streets.update(list(places.streets(clause))[:1])
        postcodes.update(list(places.postcodes(clause))[:1])
    for match in _AFTER_ADDRESS.finditer(plain):
        clause = _clause_before(text, match.start())
        streets.update(list(places.streets(clause))[-1:])
        postcodes.update(list(places.postcodes(clause))[-1:])
    return streets, postcodes
