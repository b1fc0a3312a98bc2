"""What locates or contacts her is identity-level, whichever field she typed it into (P2).

A police unit with "anonymous intelligence" consent holds the keys of the incident and
perpetrator sections, never the identity section's. So before a report (or a later addition)
is encrypted, every passage of an incident or perpetrator field that repeats something
identifying her — her name, her phone numbers, e-mail addresses and handles, her street,
postcode and place, the exact date and time, as the disclosure guard reads them however they
are written — is replaced there by ``disclosure.WITHHELD``, and the field as she wrote it is
kept in the identity section instead, as an entry of its ``withheld`` list:

    {"section": "incident", "version": 1, "key": "what_happened", "value": "<as she wrote it>"}

Fields that locate her whole (where he took her) are declared in the identity section in the
first place (``reports.fields``). Keys, not checks, then keep the promise: the unit key opens
the withheld text only at "full report", when the identity section's keys are sealed to it.

Whoever opens the identity section (coordinators, the reporter, police at "full report") reads
the report as she wrote it: ``restore`` puts each withheld field back into the version it came
from (``reports.reading`` does this for every reader).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ugly_mugs import disclosure
from ugly_mugs.reports.sections import IDENTITY, INCIDENT, PERPETRATOR

WITHHELD_KEY = "withheld"
# The sections a unit may hold below "full report", where her details must not stay.
BELOW_FULL = (INCIDENT, PERPETRATOR)


def profile_of(sections: Mapping[str, Iterable[Mapping]], region: str) -> disclosure.Profile:
    """The reporter's profile from sections as she wrote them (section name → versions)."""
    return disclosure.profile_from({name: list(versions) for name, versions in sections.items()}, region)


def split(
    content: Mapping[str, Mapping], versions: Mapping[str, int], profile: disclosure.Profile
) -> tuple[dict[str, dict], list[dict]]:
    """``content`` (section name → the new version's content) as it may be stored, and the
    withheld entries for the identity section.

    Only the incident and perpetrator sections are changed; ``versions`` gives the version each
    new content will be stored as. A field with a passage of hers is stored with the passage
    replaced by ``disclosure.WITHHELD``; the entry keeps it as written.
    """
    stored: dict[str, dict] = {name: dict(value) for name, value in content.items()}
    entries: list[dict] = []
    for name in BELOW_FULL:
        if name not in stored:
            continue
        shown, changed = disclosure.withhold(stored[name], profile)
        for key in changed:
            entries.append({"section": name, "version": versions[name], "key": key, "value": stored[name][key]})
        stored[name] = shown
    return stored, entries


def with_entries(identity: Mapping, entries: list[dict]) -> dict:
    """An identity version's content with ``entries`` added to its withheld list."""
    kept = dict(identity)
    if entries:
        kept[WITHHELD_KEY] = [*kept.get(WITHHELD_KEY, []), *entries]
    return kept


def restore_versions(
    opened: dict[str, list[tuple[int, dict]]],
) -> tuple[dict[str, dict[int, dict]], list[tuple[str, int, str]]]:
    """Like ``restore``, keyed by version: name → version → content (empty identity versions kept)."""
    entries = [
        entry
        for _, content in opened.get(IDENTITY, [])
        for entry in content.get(WITHHELD_KEY) or []
        if isinstance(entry, Mapping)
    ]
    contents = {name: {version: dict(content) for version, content in versions} for name, versions in opened.items()}
    put_back: list[tuple[str, int, str]] = []
    for entry in entries:
        target = contents.get(entry.get("section"), {}).get(entry.get("version"))
        if target is not None and entry.get("key"):
            target[entry["key"]] = entry.get("value")
            put_back.append((entry["section"], entry["version"], entry["key"]))
    for content in contents.get(IDENTITY, {}).values():
        content.pop(WITHHELD_KEY, None)
    return contents, put_back


def restore(opened: dict[str, list[tuple[int, dict]]]) -> tuple[dict[str, list[dict]], list[tuple[str, int, str]]]:
    """Sections as she wrote them, from opened ones (name → (version, content), oldest first).

    Every withheld entry of the identity versions is put back into the version it came from,
    when that version was opened; the withheld lists leave the identity versions, and identity
    versions that held nothing else are left out. Returns the sections (name → contents) and
    (section, version, key) of every field put back.
    """
    contents, put_back = restore_versions(opened)
    restored = {
        name: [content for _, content in sorted(by_version.items()) if name != IDENTITY or content]
        for name, by_version in contents.items()
    }
    return {name: versions for name, versions in restored.items() if versions}, put_back


def below_full(
    sections: Mapping[str, list[dict]], region: str
) -> tuple[dict[str, list[dict]], list[tuple[str, int, str]], disclosure.Profile]:
    """What police who cannot open the identity section see of the other sections.

    Stored text already holds ``disclosure.WITHHELD`` where her details were; reports filed
    before that was done are withheld here, with the guard's profile of what the unit opened
    (the numbers and addresses in her own words that are not his, where he took her). Returns
    the sections, (section, version, key) of every field with a withheld passage, and the profile
    (for withholding the covering note too).
    """
    profile = disclosure.profile_from(sections, region)
    shown: dict[str, list[dict]] = {}
    marks: list[tuple[str, int, str]] = []
    for name, versions in sections.items():
        shown[name] = []
        for version, content in enumerate(versions, start=1):
            kept, _ = disclosure.withhold(content, profile) if name in BELOW_FULL else (dict(content), [])
            shown[name].append(kept)
            marks += [(name, version, key) for key, value in kept.items() if _holds_withheld(value)]
    return shown, marks, profile


def _holds_withheld(value) -> bool:
    if isinstance(value, str):
        return disclosure.WITHHELD in value
    if isinstance(value, Mapping):
        return any(_holds_withheld(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_withheld(v) for v in value)
    return False


def withhold_text(text: str, profile: disclosure.Profile) -> str:
    """``text`` (staff text police read with a report, such as a covering note) with every passage
    that repeats something of hers withheld."""
    return disclosure.redact(text, disclosure.check(text, profile)) if text else text
