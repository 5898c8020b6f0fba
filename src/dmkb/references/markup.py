"""Markup to plain text: HTML (and the JATS tags Crossref embeds) and safely parsed XML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from lxml import etree

from dmkb.errors import DmkbError

# tags that end a paragraph; Crossref writes JATS with a "jats:" prefix, matched by local name
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "title", "sec", "h1", "h2", "h3", "h4", "h5", "h6",
                     "blockquote", "section", "article", "ul", "ol", "table"})
_DROPPED = frozenset({"script", "style"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class BadMarkup(DmkbError):
    """A document that should be XML is not well formed."""


def html_to_text(markup: str) -> str:
    """The text of an HTML (or JATS) fragment: tags removed, entities decoded, one blank line
    between paragraphs.

    >>> html_to_text("<p><p>NK cells &amp; AML.</p><jats:p>Second.</jats:p>")
    'NK cells & AML.\\n\\nSecond.'
    """
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return _paragraphs("".join(parser.parts))


def collapse(text: str) -> str:
    """One line: every run of whitespace becomes one space."""
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    paragraphs = (collapse(_SPACES.sub(" ", p)) for p in text.split("\n"))
    return "\n\n".join(p for p in paragraphs if p)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = tag.rpartition(":")[2]
        if name in _DROPPED:
            self._dropping += 1
        elif name in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        name = tag.rpartition(":")[2]
        if name in _DROPPED:
            self._dropping = max(0, self._dropping - 1)
        elif name in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data.replace("\n", " "))


# no DTDs loaded, no entities resolved, nothing fetched from the network (PubMed and PMC
# documents name DTDs on NCBI's servers)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes, what: str) -> etree._Element:
    """Parse an XML document. :raises BadMarkup: naming ``what`` and where it breaks."""
    try:
        return etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise BadMarkup(f"{what} is not well-formed XML{line}: {exc.msg}") from exc


def element_text(element: etree._Element | None) -> str:
    """All the text inside ``element`` on one line ('' for ``None``)."""
    if element is None:
        return ""
    return collapse("".join(element.itertext()))
