"""The disclosure guard against someone trying to get past it (P3), and against false alarms.

One reporter per language of the scheme (English, Polish, Romanian, Bulgarian in Cyrillic,
Brazilian Portuguese), each with a name, phone number, e-mail, handle, home street with house
number and postcode, exact date and time, and a perpetrator with his own name, number, e-mail,
username and plate. ``BYPASSES`` tries every kind of disguise on her details — case and
diacritics (letters that do not decompose too), transliteration, possessives and case
endings, Unicode confusables, invisible and formatting characters, digit look-alikes and
spacing inside numbers, postcodes and house-number-plus-street fragments, e-mail and handle
variants — and each must be blocked with a span that marks the disguised words in the text.
``HIS_AND_ORDINARY`` are his details and ordinary words that must never block.
"""

from __future__ import annotations

import pytest

from ugly_mugs import disclosure
from ugly_mugs.disclosure import words

REPORTS = {
    "en": {
        "identity": [
            {
                "name": "Zoë Marlowe",
                "contact": "text 07700 900123 or zoe.m@example.org, insta @zoe_marl99",
                "place": "my flat at 9 Fakely Close, LS6 2AB",
                "date": "2026-11-21",
                "time": "23:15",
            }
        ],
        "incident": [{"what_happened": "My other phone is 07700 900555. He rang from 07700 900999.", "categories": []}],
        "perpetrator": [
            {
                "name_used": "Gaz",
                "phone_numbers": ["07700 900999"],
                "emails": ["gaz.lad@example.net"],
                "usernames": ["gazza_ls6"],
                "vehicle": {"registration": "LS62 ABC"},
                "where_taken": "the car park behind 40 Tannery Road",
            }
        ],
    },
    "pl": {
        "identity": [
            {
                "name": "Łucja Wróblewska",
                "contact": "tel. +48 601 234 567, lucja.wrobel@poczta.pl, insta @lucja_w88",
                "place": "ul. Długa 5, 00-950 Warszawa",
                "where_taken": "parking za Biedronką przy Lipowej",
                "date": "2026-11-14",
                "time": "22:40",
            }
        ],
        "incident": [{"what_happened": "Zabrał mi telefon."}],
        "perpetrator": [
            {"name_used": "Marek", "phone_numbers": ["+48 501 111 222"], "vehicle": {"registration": "WX 12345"}}
        ],
    },
    "ro": {
        "identity": [
            {
                "name": "Ștefania Țăranu",
                "contact": "0721 234 567, stefi.taranu@mail.ro, rezervari@ateliere-stefi.ro, tiktok @stefi_t21",
                "place": "Strada Florilor 12, Cluj 400123",
                "where_taken": "parcarea din spatele gării",
                "date": "2026-10-03",
                "time": "01:30",
            }
        ],
        "incident": [{"what_happened": "M-a lovit."}],
        "perpetrator": [{"name_used": "Ionuț", "phone_numbers": ["0744 999 888"]}],
    },
    "bg": {
        "identity": [
            {
                "name": "Мария Петрова",
                "contact": "+359 88 123 4567, maria.petrova@abv.bg, инста @mimi_petrova7",
                "place": "ул. Шипка 7, София",
                "where_taken": "паркинга зад гарата",
                "date": "2026-09-12",
                "time": "21:05",
            }
        ],
        "incident": [{"what_happened": "Удари ме."}],
        "perpetrator": [{"name_used": "Стоян", "phone_numbers": ["+359 87 765 4321"]}],
    },
    "pt": {
        "identity": [
            {
                "name": "Conceição Araújo",
                "contact": "(11) 91234-5678, conceicao.araujo@gmail.com, contato@conceicao-massagens.com.br",
                "place": "Rua das Flores, 123, 01310-100 São Paulo",
                "where_taken": "estacionamento atrás da rodoviária",
                "date": "2026-08-30",
                "time": "20:45",
            }
        ],
        "incident": [{"what_happened": "Ele me bateu."}],
        "perpetrator": [
            {"name_used": "Zé", "phone_numbers": ["(11) 98888-7777"], "vehicle": {"registration": "ABC1D23"}}
        ],
    },
}
PROFILES = {language: disclosure.profile_from(sections, region="GB") for language, sections in REPORTS.items()}

ZW = "\u200b"  # zero-width space
SHY = "\u00ad"  # soft hyphen
RLO = "\u202e"  # right-to-left override
VS16 = "\ufe0f"  # variation selector

# (language, kind, text, the disguised words that must be marked)
BYPASSES = [
    # case and diacritics, letters that do not decompose
    ("en", "name", "Ask ZOE about it.", "ZOE"),
    ("en", "name", "zoe was there", "zoe"),
    ("pl", "name", "Lucja mówiła", "Lucja"),
    ("pl", "name", "WROBLEWSKA zgłosiła", "WROBLEWSKA"),
    ("ro", "name", "Stefania a spus", "Stefania"),
    ("ro", "name", "Taranu a sunat", "Taranu"),
    ("pt", "name", "A Conceicao falou", "Conceicao"),
    ("pt", "name", "ARAUJO ligou", "ARAUJO"),
    # transliteration of another script
    ("bg", "name", "Maria said so", "Maria"),
    ("bg", "name", "Petrova said so", "Petrova"),
    ("bg", "name", "Mariya knows", "Mariya"),
    ("bg", "name", "мария каза", "мария"),
    # possessives and case endings
    ("en", "name", "near Marlowe's flat", "Marlowe's"),
    ("en", "name", "near Marlowes flat", "Marlowes"),
    ("en", "name", "near Marlowe’s flat", "Marlowe’s"),
    ("pl", "name", "u Łucji w domu", "Łucji"),
    ("pl", "name", "widział Łucję", "Łucję"),
    ("pl", "name", "z Łucją", "Łucją"),
    ("pl", "name", "o Wróblewskiej", "Wróblewskiej"),
    ("ro", "name", "fratele Ștefaniei", "Ștefaniei"),
    ("bg", "name", "на Марии", "Марии"),
    ("bg", "name", "Марийо, ела", "Марийо"),
    ("pt", "name", "a Conceiçãozinha", "Conceiçãozinha"),
    # Unicode confusables
    ("en", "name", "Ask Zое now", "Zое"),  # Cyrillic о and е
    ("en", "name", "Mаrlowe was there", "Mаrlowe"),  # Cyrillic а
    ("en", "name", "MARLΟWE was there", "MARLΟWE"),  # Greek capital omicron
    ("en", "name", "MarIowe was there", "MarIowe"),  # capital I for l
    ("en", "name", "Mar1owe was there", "Mar1owe"),  # digit one for l
    ("en", "name", "Ｍａｒｌｏｗｅ was there", "Ｍａｒｌｏｗｅ"),  # fullwidth
    ("en", "name", "𝐌𝐚𝐫𝐥𝐨𝐰𝐞 was there", "𝐌𝐚𝐫𝐥𝐨𝐰𝐞"),  # mathematical bold
    ("pl", "name", "Łuсja mówiła", "Łuсja"),  # Cyrillic с
    ("bg", "name", "Mapия", "Mapия"),  # Latin p for Cyrillic р
    ("ro", "name", "Ștеfania", "Ștеfania"),  # Cyrillic е
    # invisible and formatting characters
    ("en", "name", f"Mar{ZW}lowe was there", f"Mar{ZW}lowe"),
    ("en", "name", f"Mar{SHY}lowe was there", f"Mar{SHY}lowe"),
    ("en", "name", f"Z{RLO}oe was there", f"Z{RLO}oe"),
    ("pl", "name", f"Łu{VS16}cja", f"Łu{VS16}cja"),
    ("pt", "name", "Conceic\u0327a\u0303o", "Conceic\u0327a\u0303o"),  # combining marks
    # phone numbers: other spellings, spacing, line breaks, look-alike digits
    ("en", "phone", "Call +44 7700 900123.", "+44 7700 900123"),
    ("en", "phone", "Call 07700\n900123.", "07700\n900123"),
    ("en", "phone", "Call 0 7 7 0 0 - 9 0 0 - 1 2 3", "0 7 7 0 0 - 9 0 0 - 1 2 3"),
    ("en", "phone", "Call O77OO 9OO l23", "O77OO 9OO l23"),
    ("en", "phone", "Call ０７７００ ９００１２３", "０７７００ ９００１２３"),
    ("en", "phone", f"Call 077{ZW}00 900{ZW}123", f"077{ZW}00 900{ZW}123"),
    ("en", "phone", "Call 07700.900.123", "07700.900.123"),
    ("en", "phone", "Her other phone 07700 900555", "07700 900555"),
    ("pl", "phone", "dzwoń 601-234-567", "601-234-567"),
    ("pl", "phone", "dzwoń 0048 601 234 567", "0048 601 234 567"),
    ("ro", "phone", "sună la +40 721 234 567", "+40 721 234 567"),
    ("ro", "phone", "sună la 0721.234.567", "0721.234.567"),
    ("bg", "phone", "звънни на 088 123 45 67", "088 123 45 67"),
    ("bg", "phone", "звънни на О88 12З 4567", "О88 12З 4567"),  # Cyrillic О and З
    ("pt", "phone", "liga +55 11 91234 5678", "+55 11 91234 5678"),
    ("pt", "phone", "liga (11)91234-5678", "11)91234-5678"),
    # postcodes
    ("en", "postcode", "near LS6 2AB", "LS6 2AB"),
    ("en", "postcode", "near ls62ab", "ls62ab"),
    ("en", "postcode", "near L S 6 - 2 A B", "L S 6 - 2 A B"),
    ("en", "postcode", f"near LS6 2A{ZW}B", f"LS6 2A{ZW}B"),
    ("en", "postcode", "near LS6 then 2AB", "LS6 then 2AB"),
    ("en", "postcode", "LS6, the rest is 2AB", "LS6, the rest is 2AB"),
    ("pl", "postcode", "kod 00-950", "00-950"),
    ("pl", "postcode", "kod 00 950", "00 950"),
    ("ro", "postcode", "cod 400123", "400123"),
    ("pt", "postcode", "CEP 01310100", "01310100"),
    ("pt", "postcode", "CEP 01310-1OO", "01310-1OO"),
    # house number and street fragments
    ("en", "street", "at 9 Fakely", "9 Fakely"),
    ("en", "street", "on Fakely Cl.", "Fakely Cl"),
    ("en", "street", "on FAKELY CLOSE", "FAKELY CLOSE"),
    ("en", "street", "behind Tannery Rd", "Tannery Rd"),
    ("pl", "street", "na ulicy Długiej", "ulicy Długiej"),
    ("pl", "street", "Dluga 5", "Dluga 5"),
    ("ro", "street", "pe str. Florilor", "str. Florilor"),
    ("ro", "street", "Florilor 12", "Florilor 12"),
    ("bg", "street", "на ул. Шипка", "ул. Шипка"),
    ("bg", "street", "ul. Shipka", "ul. Shipka"),
    ("pt", "street", "na R. das Flores", "R. das Flores"),
    ("pt", "street", "Flores, 123", "Flores, 123"),
    # the place as she wrote it (where he took her, in the identity section or, filed before, his)
    ("en", "place", "from the car park behind 40 Tannery Road", "the car park behind 40 Tannery Road"),
    ("pl", "place", "zabrał ją na parking za Biedronką przy Lipowej", "parking za Biedronką przy Lipowej"),
    ("pl", "place", "na PARKING ZA BIEDRONKA PRZY LIPOWEJ", "PARKING ZA BIEDRONKA PRZY LIPOWEJ"),
    ("ro", "place", "a dus-o în parcarea din spatele gării", "parcarea din spatele gării"),
    ("ro", "place", "în parcarea din spatele garii", "parcarea din spatele garii"),
    ("bg", "place", "я закара до паркинга зад гарата", "паркинга зад гарата"),
    ("bg", "place", "do parkinga zad garata", "parkinga zad garata"),  # in Latin letters
    ("pt", "place", "levou ela ao estacionamento atrás da rodoviária", "estacionamento atrás da rodoviária"),
    ("pt", "place", "ESTACIONAMENTO ATRAS DA RODOVIARIA", "ESTACIONAMENTO ATRAS DA RODOVIARIA"),
    # e-mail and handle variants
    ("en", "email", "write to ZOE.M@EXAMPLE.ORG", "ZOE.M@EXAMPLE.ORG"),
    ("en", "email", "write to zoe.m+alerts@example.org", "zoe.m+alerts@example.org"),
    ("en", "email", "write to zoe dot m at example dot org", "zoe dot m at example dot org"),
    ("en", "email", "write to zoe.m (at) example [.] org", "zoe.m (at) example [.] org"),
    ("en", "email", "write to zoem@gmail.com", "zoem@gmail.com"),
    ("en", "email", "write to zoe.m＠example.org", "zoe.m＠example.org"),
    ("en", "handle", "find her as zoe_marl99", "zoe_marl99"),
    ("en", "handle", "find her as @zoe.marl99", "@zoe.marl99"),
    ("en", "handle", "find her as zoe.m", "zoe.m"),
    ("pl", "email", "lucja.wrobel małpa poczta kropka pl", "lucja.wrobel małpa poczta kropka pl"),
    ("ro", "email", "stefi.taranu arond mail punct ro", "stefi.taranu arond mail punct ro"),
    ("bg", "email", "maria.petrova маймунка abv точка bg", "maria.petrova маймунка abv точка bg"),
    ("pt", "email", "conceicao.araujo arroba gmail ponto com", "conceicao.araujo arroba gmail ponto com"),
    ("pt", "handle", "no insta @conceicao_araujo", "@conceicao_araujo"),
    ("pl", "handle", "znajdziesz ją jako lucja_w88", "lucja_w88"),
    ("pl", "handle", "insta: @LUCJA.W88", "@LUCJA.W88"),
    ("ro", "handle", "o găsești ca @STEFI_T21", "@STEFI_T21"),
    ("ro", "handle", "tiktok stefi.t21", "stefi.t21"),
    ("bg", "handle", "намери я като mimi.petrova7", "mimi.petrova7"),
    ("bg", "handle", "инста @mimi_pеtrova7", "@mimi_pеtrova7"),  # Cyrillic е
    # exact date and time
    ("en", "date", "on 21/11/2026", "21/11/2026"),
    ("en", "date", "on 21st November", "21st November"),
    ("en", "date", "on 2l/ll/2O26", "2l/ll/2O26"),
    ("en", "time", "at 23:15", "23:15"),
    ("en", "time", "at 11.15 p.m.", "11.15 p.m."),
    ("en", "time", "at 1115pm", "1115pm"),
    ("en", "time", "at 11 15 p.m.", "11 15 p.m."),
    ("en", "time", "at 1115 PM", "1115 PM"),
    ("en", "time", "at l115pm", "l115pm"),  # look-alike digits joined to am/pm
    ("en", "time", "at 1l15pm", "1l15pm"),
    ("en", "time", "at 11 l5pm", "11 l5pm"),
    ("en", "time", "at ll.l5pm", "ll.l5pm"),
    # letters spaced out or strung on a sign, words broken by markup or an unusual space, a
    # name run together, digits for letters, digits after a name (``disguise``, ``words``)
    # letters strung on mixed signs, initials, an HTML tag or backslash inside, a sign for a letter
    ("en", "name", "ask M.a-r.l-o.w-e now", "M.a-r.l-o.w-e"),
    ("en", "name", "ask Z. O. E. about it", "Z. O. E"),
    ("en", "name", "ask Z, o, e about it", "Z, o, e"),
    ("en", "name", "ask Mar<b>lowe</b> now", "Mar<b>lowe"),
    ("en", "name", "ask Mar\\lowe now", "Mar\\lowe"),
    ("en", "name", "ask M@rlowe now", "M@rlowe"),
    # a digit for her name's first or last letter
    ("en", "name", "ask Marlow3 now", "Marlow3"),
    ("pl", "name", "pytaj o 1ucję", "1ucję"),
    ("ro", "name", "întreabă de 5tefania", "5tefania"),
    ("pl", "name", "pytaj Wróbl€wską", "Wróbl€wską"),
    # her number with digits said twice, or in many parts, her domain with its dot written out
    ("en", "phone", "call double seven oh oh nine double oh one two three", "double seven oh oh nine"),
    ("en", "phone", "ring 07 x 70 x 09 x 00 x 123", "07 x 70 x 09 x 00 x 123"),
    ("en", "phone", "call 07700 and 9 and 00123", "07700 and 9 and 00123"),
    ("en", "domain", "see example dot org for her", "example dot org"),
    ("en", "domain", "see example[.]org for her", "example[.]org"),
    ("ro", "domain", "site-ul ei: ateliere-stefi . ro", "ateliere-stefi . ro"),
    ("ro", "domain", "ateliere-stefi punct ro", "ateliere-stefi punct ro"),
    # her date run together, with a Roman month, in a timestamp
    ("en", "date", "seen on 20261121 again", "20261121"),
    ("pl", "date", "w dniu 14.XI.2026", "14.XI.2026"),
    ("en", "date", "logged 2026-11-21T10:00", "2026-11-21"),
    # her date year first with any separator, or month first as in the United States
    ("en", "date", "seen on 2026/11/21 again", "2026/11/21"),
    ("en", "date", "seen on 11/21/2026 again", "11/21/2026"),
    ("en", "date", "seen on 11/21 again", "11/21"),
    ("pl", "date", "w dniu 2026.11.14", "2026.11.14"),
    ("pt", "date", "em 08/30/2026", "08/30/2026"),
    # her number in words, in each language, or split by words between its parts
    ("en", "phone", "call seven seven zero zero nine zero zero one two three", "seven seven zero zero nine zero zero"),
    ("en", "phone", "call oh seven seven oh oh, nine oh oh, one two three.", "oh seven seven oh oh, nine oh oh"),
    ("en", "phone", "call 07700 900 one two three", "07700 900 one two three"),
    ("en", "phone", "ring 07700 then 900123 after dark", "07700 then 900123"),
    ("en", "phone", "call oh seven seven hundred, nine hundred, one twenty-three", "seven seven hundred, nine hundred"),
    ("en", "phone", "ring seven seven double oh nine hundred one twenty three", "seven seven double oh nine hundred"),
    ("en", "phone", "ring 07700 x 900 and then 123", "07700 x 900 and then 123"),
    ("pl", "phone", "dzwoń sześć zero jeden dwa trzy cztery pięć sześć siedem", "sześć zero jeden dwa trzy"),
    ("pl", "phone", "dzwoń 601 234 a potem 567", "601 234 a potem 567"),
    ("ro", "phone", "sună la zero șapte doi unu doi trei patru cinci șase șapte", "șapte doi unu doi trei"),
    ("bg", "phone", "звънни на осем осем едно две три четири пет шест седем", "осем осем едно две три"),
    ("bg", "phone", "zvanni na osem osem edno dve tri chetiri pet shest sedem", "osem osem edno dve tri"),
    ("pt", "phone", "liga um um nove um dois três quatro cinco seis sete oito", "um um nove um dois três"),
    ("pt", "phone", "liga 11 9 1234 e depois 5678", "11 9 1234 e depois 5678"),
    # the domain of her address, not a public mail service's: her own site's, her agency's
    ("en", "domain", "see example.org for her", "example.org"),
    ("en", "domain", "booked via www.EXAMPLE.org", "www.EXAMPLE.org"),
    ("en", "domain", "write to info@example.org", "example.org"),
    ("pl", "domain", "strona poczta.pl", "poczta.pl"),
    ("ro", "domain", "site-ul ei este ateliere-stefi.ro", "ateliere-stefi.ro"),
    ("pt", "domain", "agenda em conceicao-massagens.com.br", "conceicao-massagens.com.br"),
    ("en", "name", "Ask Z o e about it.", "Z o e"),
    ("en", "name", "It was Z o e.", "Z o e"),
    ("en", "name", "Ask (Z o e), she knows", "Z o e"),
    ("en", "name", "Ask M  a  r  l  o  w  e about it.", "M  a  r  l  o  w  e"),
    ("en", "name", "Ask M\ta\tr\tl\to\tw\te.", "M\ta\tr\tl\to\tw\te"),
    ("en", "name", "M.a.r.l.o.w.e was there", "M.a.r.l.o.w.e"),
    ("en", "name", "ask M-a-r-l-o-w-e", "M-a-r-l-o-w-e"),
    ("en", "name", "ask Z_o_e", "Z_o_e"),
    ("en", "name", "ask Z·o·e", "Z·o·e"),
    ("en", "name", "ask Mar**lowe** now", "Mar**lowe"),
    ("en", "name", "ask Mar~~lo~~we now", "Mar~~lo~~we"),
    ("en", "name", "ask `Mar`lowe now", "Mar`lowe"),
    ("en", "name", "ask Marl\u00a0owe now", "Marl\u00a0owe"),
    ("en", "name", "ask Mar\u2009lowe now", "Mar\u2009lowe"),
    ("en", "name", "ask Marl\u3000owe now", "Marl\u3000owe"),
    ("en", "name", "ask M4rl0w3 now", "M4rl0w3"),
    ("en", "name", "ask Marl0we now", "Marl0we"),
    ("en", "name", "she is zoe1999 online", "zoe1999"),
    ("en", "name", "see #ZoeMarlowe", "ZoeMarlowe"),
    ("en", "name", "see marlowezoe", "marlowezoe"),
    ("en", "name", "see Zoe\u200bMarlowe", "Zoe\u200bMarlowe"),
    ("en", "handle", "insta Z O E _ M A R L 9 9", "Z O E _ M A R L 9 9"),
    ("en", "email", "mail z o e . m at example dot org", "z o e . m"),
    ("pl", "name", "W r ó b l e w s k a mówiła", "W r ó b l e w s k a"),
    ("pl", "name", "Łu**cja** mówiła", "Łu**cja"),
    ("pl", "name", "ŁucjaWróblewska mówiła", "ŁucjaWróblewska"),
    ("ro", "name", "Ș-t-e-f-a-n-i-a a spus", "Ș-t-e-f-a-n-i-a"),
    ("ro", "name", "T4r4nu a sunat", "T4r4nu"),
    ("bg", "name", "М а р и я каза", "М а р и я"),
    ("bg", "name", "П.е.т.р.о.в.а каза", "П.е.т.р.о.в.а"),
    ("pt", "name", "A r a ú j o ligou", "A r a ú j o"),
    ("pt", "name", "Concei__ção ligou", "Concei__ção"),
    ("en", "time", "at 23.l5hrs", "23.l5"),
    # her date and time said in words, or as minutes past the hour
    ("en", "date", "on the twenty-first of November", "twenty-first of November"),
    ("en", "date", "November the Twenty First", "November the Twenty First"),
    ("en", "time", "at quarter past eleven", "quarter past eleven"),
    ("en", "time", "at a quarter past 11 pm", "quarter past 11 pm"),
    ("en", "time", "at eleven fifteen at night", "eleven fifteen"),
    ("en", "time", "at fifteen minutes past eleven", "fifteen minutes past eleven"),
    ("pl", "date", "14 listopada 2026", "14 listopada 2026"),
    ("pl", "time", "o 22.40", "22.40"),
    ("ro", "date", "pe 3 octombrie", "3 octombrie"),
    ("ro", "time", "la ora 1:30", "1:30"),
    ("bg", "date", "на 12 септември", "12 септември"),
    ("bg", "time", "в 21:05 ч.", "21:05"),
    ("pt", "date", "em 30 de agosto de 2026", "30 de agosto de 2026"),
    ("pt", "time", "às 20h45", "20h45"),
]


@pytest.mark.parametrize(("language", "kind", "text", "marked"), BYPASSES)
def test_every_disguise_is_blocked_and_marked(language, kind, text, marked):
    hits = disclosure.check(text, PROFILES[language])
    assert hits, f"not blocked: {text!r}"
    start = text.index(marked)
    spans = [(h.kind, text[h.start : h.end]) for h in hits]
    assert any(h.kind == kind and h.start <= start and start + len(marked) <= h.end for h in hits), spans
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert hit.message.startswith("“") and disclosure.LABELS[hit.kind] in hit.message


# Kinds a language's reporter cannot be tried on: Bulgarian postcodes are four digits, which
# would block every year and most times, so they are not protected as postcodes; her Bulgarian
# address is at a public mail service (abv.bg), whose domain names nobody.
NOT_IN = {("bg", "postcode"), ("bg", "domain")}


def test_the_table_covers_every_kind_in_every_language():
    assert len(BYPASSES) >= 60
    assert {language for language, *_ in BYPASSES} == set(REPORTS)
    assert {kind for _, kind, *_ in BYPASSES} == set(disclosure.LABELS)
    tried = {(language, kind) for language, kind, *_ in BYPASSES}
    assert tried | NOT_IN == {(language, kind) for language in REPORTS for kind in disclosure.LABELS}


# (language, text): his details and ordinary words, which must pass.
HIS_AND_ORDINARY = [
    ("en", "He calls himself Gaz and texts from 07700 900999."),
    ("en", "His number is +44 7700 900999, also written 07700-900-999."),
    ("en", "Email gaz.lad@example.net or GAZ.LAD@EXAMPLE.NET."),
    ("en", "Username gazza_ls6 on the site."),
    ("en", "Plate LS62 ABC, also seen as ls62abc."),
    ("en", "An annual zoetrope show, marlowesque prose."),
    ("en", "Man in his 40s, grey Ford Focus, refused to pay, £1500 promised."),
    ("en", "Seen again on 22 Nov at 10pm and on 21 Dec, in 2026."),
    ("en", "Seen on the twenty-second of November at half past ten, and at ten to twelve."),
    ("en", "One of eleven fifteen-year-olds; twenty one men; at 11 15 Kirkstall Road."),
    ("en", "He hangs around the LS6 area and the old mill."),
    ("en", "Seen in LS6 four times in a van, plate 2ABC 123."),
    ("en", "A close call near the park; he drove off fast."),
    ("en", "Number 9 bus, around 2300, near number 142."),
    ("en", "All staff: call Ali or Ian on the project line."),
    ("pl", "Przedstawia się jako Marek, dzwoni z +48 501 111 222."),
    ("pl", "Rejestracja WX 12345, długa noc, ulica była pusta."),
    ("pl", "Lucyna i Lucjan to inne osoby."),
    ("ro", "Spune că îl cheamă Ionuț, sună de pe 0744 999 888."),
    ("ro", "Strada era goală, florile erau ude."),
    ("bg", "Казва, че е Стоян, звъни от +359 87 765 4321."),
    ("bg", "Марин и Петър са други хора."),
    ("pt", "Diz que é o Zé, liga do (11) 98888-7777, placa ABC1D23."),
    ("pt", "As flores da rua eram bonitas; conceito novo."),
    ("pt", "Aconteceu em agosto, à noite."),
    # ranges of numbers are no dates month first
    ("en", "Youth drop-in for ages 11-21 on Tuesdays."),
    ("pl", "Zobacz strony 11-14 ulotki."),
    ("pt", "Plantão nos dias 8-30 de cada mês."),
    # dates either way round that are not hers
    ("en", "Seen on 3/4, 4/3/2026, 2026/03/04 and 12/11/2025."),
    # digits written as words, and numbers with words between them, that are not her number
    ("en", "One man, two cars, seven nights; he was 40 or 45, bus 9, zero respect, oh no."),
    ("en", "Seen on 7 and 9 November at 11pm near 900 Kirkstall Road, LS4 2AB, car 07."),
    ("pl", "Jeden mężczyzna, dwa samochody, siedem nocy, 22 lata, autobus 5."),
    ("ro", "Un bărbat, doi prieteni, șapte nopți, 30 de ani, autobuzul 21."),
    ("bg", "Един мъж, две коли, седем нощи, 35 години, автобус 11."),
    ("pt", "Um homem, dois carros, sete noites, às 22h, ônibus 11 e 9."),
    # public mail services' domains, and the part before the @ of a role's mailbox, name nobody
    ("pt", "Use gmail.com ou outlook.com; mande um contato para o projeto."),
    ("ro", "Rezervari si informatii la mail.ro, ca oricine."),
    ("bg", "Пише от abv.bg като всички."),
    # single letters, codes of letters and digits, markup and unusual spaces in ordinary writing
    ("en", "Plan B: a U-turn by the A1(M), then the M62 to LS6 at 10\u00a0pm on the 3rd."),
    ("en", "He said he was 41, maybe 45; room 1A, flat 3B, bus X84."),
    ("en", "He is **dangerous** and _very_ violent; see e.g. the notes, i.e. the U.S.A. file."),
    ("en", "Options a, b or c; answers x y z were wrong."),
    ("pl", "Ul. Krótka 8a, mieszkanie 12b, autobus 1A, godz. 19:10."),
]


@pytest.mark.parametrize(("language", "text"), HIS_AND_ORDINARY)
def test_his_details_and_ordinary_words_pass(language, text):
    assert disclosure.check(text, PROFILES[language]) == []


def test_the_no_false_alarm_table_is_long_enough():
    assert len(HIS_AND_ORDINARY) >= 20


def test_his_declared_details_are_allowed_but_not_when_they_are_hers_too():
    profile = disclosure.build(
        [{"name": "Kim", "contact": "07700 900444"}],
        [],
        [
            {
                "name_used": "Kimmy",
                "phone_numbers": ["07700 900444", "07700 900333"],
                "vehicle": {"registration": "YX11 ABC"},
            }
        ],
    )
    assert "07700 900333" in profile.allowed and "YX11 ABC" in profile.allowed
    assert "07700 900444" not in profile.allowed
    assert [h.kind for h in disclosure.check("He used 07700 900444", profile)] == ["phone"]
    assert disclosure.check("He used 07700 900333", profile) == []


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("my other phone is 07700 900555", "7700900555"),
        ("my other phone is ０７７００ ９００５５５", "7700900555"),  # fullwidth digits
        ("my other phone is ٠٧٧٠٠ ٩٠٠٥٥٥", "7700900555"),  # Arabic-Indic digits
        ("my other phone is 07700 9ЗЗ555", "7700933555"),  # Cyrillic З read as 3
        ("my other phone is ЗЗЗЗ ЗЗЗЗЗЗ", "3333333333"),  # no digit until read by look
        ("my other phone is the same as before", None),
    ],
)
def test_a_number_in_her_own_words_is_read_in_any_digits(written, number):
    profile = disclosure.build([], [written], [])
    assert profile.phones == ({number} if number else set())


@pytest.mark.parametrize(
    ("written", "handle"),
    [
        ("find me on insta @zoe_marl99", "zoemarl99"),
        ("find me on insta ＠zoe_marl99", "zoemarl99"),
        ("find me on insta \ufe6bzoe_marl99", "zoemarl99"),  # small commercial at, read as @
        ("my tiktok is @ zoe.marl", None),  # an @ standing alone marks no word
        ("zoe_marl99 is my insta", None),  # outside her contact details only after an @
    ],
)
def test_a_handle_in_her_own_words_is_one_after_an_at_sign(written, handle):
    profile = disclosure.build([], [written], [])
    assert profile.handles == ({handle} if handle else set())
    if handle:
        assert [h.kind for h in disclosure.check("his mate is @zoe_marl99", profile)] == ["handle"]


@pytest.mark.parametrize(
    ("identity", "handles", "repeated", "kind"),
    [
        ({"time": "about 11.30pm"}, set(), "seen at 11.30pm", "time"),
        ({"time": "2315hrs"}, set(), "around 23:15", "time"),
        ({"time": "11:15 p.m."}, set(), "at 23.15", "time"),
        ({"time": "1130pm"}, set(), "at 11.30pm", "time"),
        ({"time": "about 930pm"}, set(), "at 9:30 p.m.", "time"),
        ({"contact": "text only after 2.30pm"}, set(), "came back at 2.30pm", "time"),
        ({"contact": "not before 20.11.2026"}, set(), "on 20/11/2026", "date"),
        ({"contact": "zoe_m99, after 11pm"}, {"zoem99"}, "ask for zoe_m99", "handle"),
        ({"contact": "snap zoe.marl 23.15"}, {"zoemarl"}, "add zoe.marl", "handle"),
        ({"contact": "kik 2315hrs_zoe"}, {"2315hrszoe"}, "kik 2315hrs_zoe", "handle"),
        ({"name": "zoe99"}, {"zoe99"}, "ask for zoe99", "handle"),
        # Letters that only look like digits are an account name, even beside a number that
        # makes the time reader take them for one (lo.lo beside 24/7 reads 10.10).
        ({"contact": "snap lo.lo 24/7"}, {"lolo"}, "she works as lo.lo", "handle"),
        ({"contact": "07700900123, lo.lo on snap"}, {"lolo"}, "find @lo.lo", "handle"),
        ({"contact": "snap li.lo 07700900123"}, {"lilo"}, "advertises as li.lo", "handle"),
        ({"contact": "07700900123 / il.io"}, {"ilio"}, "advertises as il.io", "handle"),
        ({"contact": "snap: LO.LO (24/7)"}, {"lolo"}, "as lo_lo", "handle"),
        ({"contact": "07700900123, ɩo.ɩo"}, {"ioio"}, "as io.io", "handle"),
        ({"contact": "insta io.21"}, {"io21"}, "as io_21", "handle"),
        ({"contact": "text after １１.３０pm"}, set(), "at 11.30pm", "time"),
    ],
)
def test_a_time_or_date_in_her_details_is_protected_as_one_not_as_a_handle(identity, handles, repeated, kind):
    # A time she gave ("after 11.30pm") is an exact time, protected as one; read as an account
    # name it would block only this spelling of it. Account names beside it stay handles.
    profile = disclosure.build([identity], [], [])
    assert profile.handles == handles
    assert kind in {h.kind for h in disclosure.check(repeated, profile)}


def test_a_handle_after_every_sign_that_reads_as_an_at_is_hers():
    from ugly_mugs.disclosure import normalise

    signs = [chr(c) for c in range(0x80, 0x30000) if normalise.fold(chr(c)).text == "@"]
    assert "＠" in signs and "\ufe6b" in signs
    missed = [s for s in signs if disclosure.build([], [f"insta {s}zoe_marl99"], []).handles != {"zoemarl99"}]
    assert missed == []


def test_what_a_profile_reads_once_follows_its_allowed_identifiers():
    # A profile keeps his identifiers as read for every text it checks; a copy with other
    # allowed identifiers (``with_allowed`` shares that store) must never use the first one's.
    mine = disclosure.build([{"name": "Kim", "contact": "07700 900444"}], [], [{"phone_numbers": ["07700 900444"]}])
    allowing = mine.with_allowed(["07700 900444"])
    text = "He used 07700 900444"
    for _ in range(2):
        assert [h.kind for h in disclosure.check(text, mine)] == ["phone"]
        assert disclosure.check(text, allowing) == []
    assert [h.kind for h in disclosure.check(text, allowing.with_allowed([]))] == ["phone"]


def test_a_number_in_her_words_is_hers_unless_she_gave_it_as_his():
    profile = PROFILES["en"]
    assert [h.kind for h in disclosure.check("rang 07700 900555", profile)] == ["phone"]
    assert disclosure.check("rang 07700 900999", profile) == []


def test_where_he_took_her_is_protected_like_her_place():
    assert [h.kind for h in disclosure.check("took her to 40 Tannery Road", PROFILES["en"])] == ["street"]


def test_redact_withholds_every_marked_passage():
    text = "Zoe lives at 9 Fakely Close, LS6 2AB; ring 07700 900123."
    hits = disclosure.check(text, PROFILES["en"])
    assert disclosure.redact(text, hits) == "[withheld] lives at [withheld], [withheld]; ring [withheld]."


def test_an_empty_profile_blocks_nothing():
    profile = disclosure.profile_from({})
    assert not profile
    assert disclosure.check("Anything at all, 07700 900123, 21/11/2026", profile) == []


def test_what_is_kept_per_character_is_bounded_whatever_the_text():
    # Answers per character are cached; a text of many different characters (here twice as many
    # as are kept) must not grow those caches past their bound.
    from ugly_mugs.disclosure import normalise

    kept = normalise.CHARACTERS_KEPT
    text = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 2 * kept))
    disclosure.check(text, PROFILES["en"])
    per_character = [
        normalise.is_invisible,
        normalise.is_mark,
        normalise.readings,
        normalise.visual,
        normalise.is_word_char,
        normalise._ascii_lookalikes,
        normalise._lookalike_letters,
    ]
    sizes = {f.__name__: f.cache_info() for f in per_character}
    assert all(info.maxsize == kept and info.currsize <= kept for info in sizes.values()), sizes
    assert sizes["readings"].currsize == kept


# (her address, texts that must pass, texts that must block): a role's mailbox names her by
# its domain; an address at a public mail service by the part before the @.
ROLE_AND_PUBLIC = [
    (
        "info@rubyescorts.com",
        ["More info at the drop-in on Friday.", "Check a number: https://alerts.rubyescorts.com/a/1"],
        ["see rubyescorts.com", "info@rubyescorts.com"],
    ),
    (
        "bookings@velvetrooms-leeds.co.uk",
        ["Bookings are down this week.", "Velvet rooms are for rent."],
        ["via www.velvetrooms-leeds.co.uk", "mail bookings at velvetrooms-leeds dot co dot uk"],
    ),
    ("kontakt@studio-ola.pl", ["Kontakt z projektem w piątek."], ["studio-ola.pl"]),
    (
        "massage@jadeleeds.com",
        ["He asked for a massage, then an escort; book again at the drop-in."],
        ["massage@jadeleeds.com", "jadeleeds.com"],
    ),
    ("escort@gmail.com", ["He wanted an escort to his hotel."], ["escort@gmail.com", "escort at gmail dot com"]),
    ("agendamento@conceicao-spa.com.br", ["Ele apareceu sem agendamento."], ["conceicao-spa.com.br"]),
    ("jade.k@hotmail.fr", ["He writes from a hotmail.fr or protonmail.ch address."], ["jade.k@hotmail.fr"]),
    ("ruby.k@gmail.com", ["Write to the project at gmail.com or outlook.com."], ["ruby.k@gmail.com", "rubyk"]),
]


@pytest.mark.parametrize(("address", "passing", "blocking"), ROLE_AND_PUBLIC, ids=[a for a, *_ in ROLE_AND_PUBLIC])
def test_her_address_is_hers_by_what_names_her(address, passing, blocking):
    profile = disclosure.profile_from(
        {"identity": [{"name": "anon", "contact": f"email {address}"}], "incident": [], "perpetrator": []}, "GB"
    )
    for text in passing:
        assert disclosure.check(text, profile) == [], text
    for text in blocking:
        assert disclosure.check(text, profile), text


# (her contact details with no name given, texts that must block, texts that must pass): the
# name she gives after a cue, and the account after a service's name, are hers.
GIVEN_IN_CONTACT = [
    (
        {"contact_via_project": "Ask for Jade at the Basis drop-in on Tuesdays"},
        ["Jade reported him"],
        ["Ask at the Basis drop-in on Tuesdays"],
    ),
    ({"contact": "This is Jade, text me"}, ["Jade saw him"], ["Text the project"]),
    (
        {"contact": "snapchat kittyjade, onlyfans JadeKitten"},
        ["he follows JadeKitten", "kitty_jade again"],
        ["Not on facebook any more"],
    ),
    ({"contact": "telegram: jade_k99"}, ["jadek99 on the app"], ["Telegram is safer"]),
    ({"contact": "jestem Kasia, pytaj o mnie w punkcie"}, ["Kasia go zna", "Kasi nie było"], ["Pytaj w punkcie"]),
    ({"contact": "Sunt Ioana, sună-mă"}, ["Ioana l-a văzut"], ["Sună la proiect"]),
    ({"contact": "Аз съм Мария, пиши ми"}, ["Мария го видя", "Maria go vidya"], ["Пиши на проекта"]),
    ({"contact": "Me chamo Ana Paula, pergunte no projeto"}, ["Paula viu ele"], ["Pergunte no projeto"]),
]  # fmt: skip


@pytest.mark.parametrize(("identity", "blocking", "passing"), GIVEN_IN_CONTACT)
def test_a_name_or_account_she_gives_in_her_contact_details_is_hers(identity, blocking, passing):
    profile = disclosure.profile_from(
        {"identity": [{"name": "", **identity}], "incident": [], "perpetrator": [{"name_used": "Gaz"}]}, "GB"
    )
    for text in blocking:
        assert disclosure.check(text, profile), text
    for text in passing:
        assert disclosure.check(text, profile) == [], text


# (her own account, texts that must block, texts that must pass): a name she gives as hers and
# an account she names as hers; what she says she is, and his accounts, are not.
IN_HER_WORDS = [
    ("My name is Jade Kowalska, my insta is jadek_99.", ["Kowalska saw him", "jadek_99"], ["Ask on insta"]),
    ("I am Polish and he knew it; his snapchat was gazza99.", [], ["Polish women targeted", "gazza99"]),
    ("Nazywam się Kasia, moje insta to kasia_k.", ["Kasia go zna", "kasia_k"], ["Pytaj w punkcie"]),
    ("Mă numesc Ioana și el m-a lovit.", ["Ioana l-a văzut"], ["El a lovit-o"]),
    ("Казвам се Мария, той ме удари.", ["Мария го видя"], ["Той удари жена"]),
    ("Me chamo Ana, meu instagram é ana.p", ["Ana viu", "ana.p"], ["Ele bateu nela"]),
]


# (her own account, texts that must block, texts that must pass): the street and postcode she
# gives as where she lives are hers; where it happened, said after them, is not.
HOME_IN_HER_WORDS = [
    (
        "He followed me back to my flat on Mill Road, LS6 2AB. Then he drove to Kirkstall Road.",
        ["seen on Mill Road", "near LS6 2AB", "Mill Rd again", "ls62ab"],
        ["seen on Kirkstall Road", "Mill Lane", "LS6 area"],
    ),
    ("I live at 22 Tannery Lane but he took me to Kirkstall Road", ["Tannery Lane"], ["Kirkstall Road"]),
    ("I'm staying at no. 4 Cobden Street. He knows it.", ["Cobden St"], ["Cobden"]),
    ("Where I stay, 3 Park Grove LS7 3RB, he waited outside", ["Park Grove", "LS7 3RB"], ["the park"]),
    (
        "Mieszkam na ul. Długiej 5, 00-950 Warszawa. On mnie uderzył na ulicy Polnej.",
        ["widziany na ulicy Długiej", "kod 00-950"],
        ["widziany na ulicy Polnej"],
    ),
    ("Locuiesc pe Strada Florilor 12. El m-a lovit pe Calea Victoriei.", ["Strada Florilor"], ["Calea Victoriei"]),
    ("Живея на ул. Шипка 5, той ме удари.", ["видян на ул. Шипка", "ul. Shipka"], ["видян в парка"]),
    ("Eu moro na Rua das Flores 10, 01310-100.", ["visto na Rua das Flores", "01310-100"], ["visto no parque"]),
    ("He picked me up on Mill Road and hit me.", [], ["seen on Mill Road"]),
    ("I live near the park; he took me to Kirkstall Road.", [], ["Kirkstall Road"]),
]  # fmt: skip


@pytest.mark.parametrize(("account", "blocking", "passing"), IN_HER_WORDS + HOME_IN_HER_WORDS)
def test_a_name_account_or_home_she_gives_as_hers_in_her_account_is_hers(account, blocking, passing):
    sections = {
        "identity": [{"name": ""}],
        "incident": [{"what_happened": account}],
        "perpetrator": [{"name_used": "Gaz"}],
    }
    profile = disclosure.profile_from(sections, "GB")
    for text in blocking:
        assert disclosure.check(text, profile), text
    for text in passing:
        assert disclosure.check(text, profile) == [], text


# (her name, spellings of it in the scheme's other alphabets and orthographies that must block,
# ordinary words that fold to one of its forms and must pass).
RESPELLED = [
    ("Jadwiga Kowalska", ["Ковальска", "Kovalska", "Ядвига", "Yadviga", "Jadviga", "KOVALSKA"], ["Kowloon", "vodka"]),
    ("Marta Szymańska", ["Шиманска", "Shimanska", "Szimanska"], ["shimmer", "Shaman"]),
    ("Anna Kowalczyk", ["Ковалчик", "Kovalchik", "Kowalchik"], ["Kovac"]),
    ("Мария Петрова", ["Marija", "Petrowa"], ["Marina", "Peter"]),
    ("Maja Wiśniewska", ["Maya", "Вишневска", "Vishnevska"], ["visit"]),
    ("Aleksandra Nowak", ["Alexandra", "Новак", "Novak"], ["Nova", "now", "knowing"]),
    ("Ioana Popescu", ["Попеску", "Popesku"], ["Pope"]),
    ("Kasia Grzegorczyk", ["Гжегорчик", "Gzhegorchik", "Kasja"], ["chase", "case", "cash"]),
    ("Stephanie Wendt", ["Stefanie", "Vendt"], ["vent", "went"]),
    ("Kacper", ["Кацпер", "Katsper"], ["casper"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "blocking", "passing"), RESPELLED)
def test_her_name_spelled_as_another_alphabet_writes_it_is_hers(name, blocking, passing):
    profile = disclosure.profile_from(
        {"identity": [{"name": name}], "incident": [], "perpetrator": [{"name_used": "Gaz"}]}, "GB"
    )
    for written in blocking:
        assert disclosure.check(f"seen with {written} again", profile), written
    for written in passing:
        assert disclosure.check(f"seen with {written} again", profile) == [], written


@pytest.mark.parametrize(
    ("a", "b"),
    [("kowalska", "ковальска"), ("szymanska", "шиманска"), ("kowalczyk", "ковалчик"), ("grzegorz", "гжегож"),
     ("aleksandra", "alexandra"), ("popescu", "попеску"), ("kacper", "кацпер"), ("stephens", "stefens")],
)  # fmt: skip
def test_spellings_fold_alike(a, b):
    (word_a,), (word_b,) = words.words(a), words.words(b)
    assert word_a.folded() == word_b.folded()


def test_ch_is_never_read_as_k():
    # ч (ch, Polish cz) is kept apart from a hard c: "chase" is not "kase", nor "chat" "kat".
    assert words.fold_spelling("chase") != words.fold_spelling("kase")
    assert words.fold_spelling("chat") != words.fold_spelling("cat")


@pytest.mark.parametrize("kinds", [frozenset({"phone"}), frozenset({"name"}), frozenset({"email", "date"})])
def test_a_check_for_some_kinds_finds_those_and_only_those(kinds):
    profile = disclosure.profile_from(
        {
            "identity": [{"name": "Jade Marlowe", "contact": "07700 900123, jade.m@example.org", "date": "2026-11-20"}],
            "incident": [],
            "perpetrator": [{"name_used": "Gaz"}],
        },
        "GB",
    )
    text = "Jade, 07700 900123, jade.m@example.org, on 20/11/2026 at the arches"
    everything = disclosure.check(text, profile)
    assert {h.kind for h in everything} >= {"name", "phone", "email", "date"}
    assert disclosure.check(text, profile, kinds=kinds) == [h for h in everything if h.kind in kinds]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("at ten to twelve", {11 * 60 + 50, 23 * 60 + 50}),
        ("at quarter to one am", {45}),
        ("at half past 9 pm", {21 * 60 + 30}),
        ("at 20 past 11", {11 * 60 + 20, 23 * 60 + 20}),
        ("at eleven o'clock", {11 * 60, 23 * 60}),
        ("at twenty five to midnight", {23 * 60 + 35}),
        ("at midnight", {0}),
        ("at quarter past noon", {12 * 60 + 15}),
        ("around half eleven", {11 * 60 + 30, 23 * 60 + 30}),
        ("quarter till 12", {11 * 60 + 45, 23 * 60 + 45}),
        ("15 mins past 11", {11 * 60 + 15, 23 * 60 + 15}),
        ("at twenty-three fifteen", {23 * 60 + 15}),
        ("eleven-fifteen pm", {23 * 60 + 15}),
        ("at nine forty-five pm", {21 * 60 + 45}),
    ],
)
def test_a_time_said_in_words_is_read_as_its_minutes(text, minutes):
    from ugly_mugs.disclosure import times

    assert [found for found, _, _ in times.times(text)] == [minutes]
