"""A project's Atom feed (RFC 4287): one entry per published message, in the project's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from alerts.delivery import render
from alerts.delivery.wording import Wording

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all (C0 controls but tab, CR, LF; lone surrogates; U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def atom(feed_id: str, title: str, self_url: str, messages: list[render.Published], w: Wording, now: datetime) -> bytes:
    """The feed document; ``messages`` newest first. Entry ids are the messages' stable ids."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": w.locale.replace("_", "-")})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = _xml(title)
    ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = w.no_warning_means_safe
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _iso(messages[0].published_at if messages else now)
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = _xml(title)
    for m in messages:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:ugly-mugs:message:{m.message_id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _xml(render.heading(m, w))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(m.published_at)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _iso(m.published_at)
        ET.SubElement(entry, f"{{{ATOM}}}category", {"term": m.kind})
        ET.SubElement(entry, f"{{{ATOM}}}category", {"term": m.severity})
        ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "text"}).text = _xml(render.text(m, w))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
