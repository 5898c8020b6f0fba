"""The pages' Content Security Policy, one text for the static pages (a meta tag) and the server
(a header): scripts and styles only from the site itself, nothing inline, no plugins, forms sent
only to the site (the search box of every page, the differential diagnosis), and requests only to
the site, or to the research server a build names (``DMKB_RESEARCH_SERVER``).

The one exception is the style sheet the graph library inserts, allowed by its hash.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dmkb.errors import UsageError

# sha256 of ".__________cytoscape_container { position: relative; }", which cytoscape adds to <head>
_GRAPH_LIBRARY_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {_GRAPH_LIBRARY_STYLE}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


def content_security_policy(research_server: str = "") -> str:
    """The policy, letting pages also reach ``research_server`` (an address checked by :func:`server_origin`)."""
    if not research_server:
        return CONTENT_SECURITY_POLICY
    return f"{CONTENT_SECURITY_POLICY}; connect-src 'self' {server_origin(research_server)}"


def server_origin(address: str) -> str:
    """``https://host:port`` of a server's address.

    :raises UsageError: when it is not an http(s) address of a host (it goes into the pages' policy).
    """
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc) or parts.query or parts.fragment:
        raise UsageError(f"DMKB_RESEARCH_SERVER is {address!r}, not the address of a server",
                         "give an http(s) address such as https://dmkb.example.org or http://127.0.0.1:8000")
    return f"{parts.scheme}://{parts.netloc.lower()}"
