"""The published CAP messages as an Atom feed (RFC 4287), newest first, one entry per message linking
to it as application/cap+xml, as alert hubs and the national platform's subscribers poll them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from warning.publish.cap import NAMESPACE
from warning.store.models import PublishedAlertRow

ATOM = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def alert_document(row: PublishedAlertRow) -> str:
    """One message as a file: what an outside validator reads."""
    return XML_DECLARATION + row.xml + "\n"


def atom_feed(rows: Sequence[PublishedAlertRow], *, base_url: str, area: str, updated: datetime) -> str:
    """`rows` newest first; `updated`: the newest message's time, or now for an empty feed."""
    self_link = f"{base_url}/cap/feed.xml" + (f"?area={area}" if area else "")
    lines = [
        f'<feed xmlns="{ATOM}">',
        f"<id>urn:warning:cap-feed:{escape(area or 'all')}</id>",
        f"<title>CAP warnings, area {escape(area or 'all')}</title>",
        f"<updated>{(rows[0].sent if rows else updated).isoformat()}</updated>",
        f'<link rel="self" href={quoteattr(self_link)}/>',
        "<author><name>warning</name></author>",
    ]
    for row in rows:
        root = ElementTree.fromstring(row.xml)
        headlines = " / ".join(h.text or "" for h in root.iter(f"{{{NAMESPACE}}}headline"))
        summary = " / ".join(d.text or "" for d in root.iter(f"{{{NAMESPACE}}}description"))
        href = f"{base_url}/cap/alerts/{row.identifier}.xml"
        lines += [
            "<entry>",
            f"<id>urn:oid:{escape(row.identifier)}</id>",
            f"<title>{escape(row.msg_type)}: {escape(headlines)}</title>",
            f"<updated>{row.sent.isoformat()}</updated>",
            f"<summary>{escape(summary)}</summary>",
            f'<link rel="alternate" type="{CAP_TYPE}" href={quoteattr(href)}/>',
            f"<category term={quoteattr(row.status)}/>",
            "</entry>",
        ]
    return XML_DECLARATION + "\n".join([*lines, "</feed>"]) + "\n"
