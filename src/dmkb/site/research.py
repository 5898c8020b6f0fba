"""Research reports as HTML: stored deep-research reports and the answers of research jobs, by
one renderer.

Reports are untrusted input. Their markdown is read by markdown-it with raw HTML off (tags are
shown as text) and images off (nothing is loaded from elsewhere), and what it writes is cleaned
again by nh3 (the ammonia sanitiser), which keeps only the tags of text, lists and tables, and
links to http, https and mailto addresses and to this page. Citation keys become links to the
report's reference list (``<a class="cite" href="#ref-KEY">``), addresses (URLs, DOIs, PMIDs,
PMC and NCT ids) become links to their sources. A long report is folded by section.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import replace

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from dmkb.report_citations import (
    Citation,
    Link,
    ReferenceEntry,
    ReferenceList,
    find_citations,
    find_links,
    label_key,
)
from dmkb.site.data import StoredReport
from dmkb.site.views import ReportReference, ReportSection, ReportView

FOLD_FROM = 4_000  # characters of text from which a report's sections are folded
_TAGS = {"p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong", "del",
         "s", "table", "thead", "tbody", "tr", "th", "td", "hr", "a", "span", "sup", "sub"}
_ATTRIBUTES = {"a": {"href", "title"}, "span": {"title"}, "ol": {"start"}}
_CLASSES = {"a": {"cite", "source-link"}, "span": {"cite-missing"}}
_ID = re.compile(r"[^A-Za-z0-9_.:-]+")
_ATX = re.compile(r"^ {0,3}#{1,6}\s")
_BLOCK_START = re.compile(r"^\s*(?:[-*+>|#`•~]|\d+[.)]\s|\(|\[|!\[)")
_CITED = re.compile(r"\b(?:pages?|media|chunk)\s+\S+\)")
_NUMBERED_NAME = re.compile(r"^\d{1,2}\)\s+(.+)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_QUOTED = re.compile(r"“[^”]*”")  # a quotation: the citations inside it are its source's, not the report's


class Anchors:
    """The element ids of one page: each report reference gets ``ref-KEY``, or ``ref-KEY-2`` when
    another report of the page has taken it."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)

    def claim(self, name: str) -> str:
        base = "ref-" + (_ID.sub("-", name).strip("-")[:80] or "entry")
        anchor, n = base, 2
        while anchor in self.taken:
            anchor, n = f"{base}-{n}", n + 1
        self.taken.add(anchor)
        return anchor


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"]) \
        .disable("image")


def render_report(report: StoredReport, anchors: Anchors, page_references: dict[str, str] | None = None,
                  anchor: str = "report") -> ReportView:
    """The view of one report.

    :param anchors: the page's element ids, shared by its reports.
    :param page_references: reference ids of the page's own reference list -> their element ids.
    """
    entries = report.content.entries
    references = ReferenceList(entries)
    entry_anchors = [anchors.claim(_entry_name(entry, i)) for i, entry in enumerate(entries)]
    counts = {"citations": 0, "linked": 0}
    tokens = _markdown().parse(_prepared(report.content.body))
    for token in tokens:
        if token.type == "inline":
            token.children = _linked(token.children or [], references, entry_anchors, counts)
    title, sections = _sections(tokens)
    folded = len(report.content.body) >= FOLD_FROM and len([s for s in sections if s.title]) >= 2
    first = next((i for i, s in enumerate(sections) if s.title and s.html), None)
    if folded and first is not None:
        sections[first] = replace(sections[first], open=True)
    return ReportView(
        anchor=anchor, file=report.file, provider=report.provider or "unknown", model=report.model,
        date=report.date, duration=duration_text(report.duration_seconds), question=_question_unsaid(report),
        title=title, sections=sections, folded=folded,
        references=[_reference(entry, entry_anchors[i], references, entry_anchors, page_references or {})
                    for i, entry in enumerate(entries)],
        citations=counts["citations"], linked=counts["linked"],
    )


def _question_unsaid(report: StoredReport) -> str:
    """The question the report answers, to fold under its head; none when its text begins by saying it
    (as an answer of ``dmkb ask`` does)."""
    question = report.question.strip()
    return "" if question and question in report.content.body[:len(question) + 400] else question


def duration_text(seconds: float | None) -> str | None:
    """``762.8`` → ``12 min 43 s``; ``0.13`` → ``0.13 s``."""
    if seconds is None:
        return None
    if seconds < 10:
        return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _entry_name(entry: ReferenceEntry, index: int) -> str:
    if entry.key:
        return entry.key
    return str(entry.number if entry.number is not None else index + 1)


def _prepared(body: str) -> str:
    """The report's markdown as it is meant to be read: a table set apart from the line above it
    (else it would continue a list item's text), and section names made headings in reports written
    without markdown headings (falcon's name their sections on a line of their own, sometimes
    numbered: ``2) Key Molecular Players``), so that the report can be folded by section. Their
    first line is the report's title when it stands alone; followed by text it names the first section
    (``Research Plan and Approach``)."""
    lines = body.split("\n")
    plain = not any(_ATX.match(line) for line in lines)
    out: list[str] = []
    for index, line in enumerate(lines):
        before = out[-1].strip() if out else ""
        after = lines[index + 1] if index + 1 < len(lines) else ""
        text = line.strip()
        if before and _TABLE_ROW.match(line) and _TABLE_RULE.match(after) and not _TABLE_ROW.match(out[-1]):
            out.append("")
        if plain and index == 0 and not after.strip() and _is_section_name(text):  # the report's title
            out += ["# " + text, ""]
            continue
        if plain and not before and after.strip():
            numbered = _NUMBERED_NAME.match(text)
            if numbered and _is_section_name(numbered.group(1)):
                out += ["### " + text, ""]
                continue
            if _is_section_name(text):
                out += ["## " + text, ""]
                continue
        out.append(line)
    return "\n".join(out)


def _is_section_name(text: str) -> bool:
    return (0 < len(text) <= 100 and len(text.split()) <= 14 and text[0].isupper()
            and not _BLOCK_START.match(text) and text[-1] not in ".,;:!?" and not _CITED.search(text))


def _sections(tokens: list[Token]) -> tuple[str | None, list[ReportSection]]:
    """The report's title (a lone first-level heading at its top) and its parts, cut at the
    highest level of heading below the title. Headings inside a part are set below the page's."""
    title = None
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if tokens and tokens[0].type == "heading_open" and levels.count(1) == 1 and tokens[0].tag == "h1":
        title = tokens[1].content.strip() or None
        tokens = tokens[3:]
        levels = levels[1:]
    fold = min(levels, default=None)
    parts: list[tuple[list[Token] | None, list[Token]]] = [(None, [])]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and fold is not None and int(token.tag[1]) == fold:
            parts.append((tokens[index + 1:index + 2], []))
            index += 3
            continue
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) - (fold or 1) + 4)}"
        parts[-1][1].append(token)
        index += 1
    md = _markdown()
    sections = []
    for heading, body in parts:
        if heading is None and not body:
            continue
        title_html = Markup(_clean(md.renderer.render(heading, md.options, {}))) if heading else None
        text = _clean(md.renderer.render(body, md.options, {})).strip()
        sections.append(ReportSection(title_html, Markup(text)))
    return title, sections


def _linked(children: list[Token], references: ReferenceList, entry_anchors: list[str],
            counts: dict[str, int]) -> list[Token]:
    """Inline tokens with the citation keys and addresses of their text made links (text already
    inside a link is left alone)."""
    out: list[Token] = []
    depth = 0
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        if child.type != "text" or depth:
            out.append(child)
            continue
        quoted = [m.span() for m in _QUOTED.finditer(child.content)]
        citations = [c for c in find_citations(child.content, references)
                     if not any(start < c.start < end for start, end in quoted)]  # a quote's own citations
        counts["citations"] += len(citations)
        counts["linked"] += sum(c.linked for c in citations)
        out.extend(_split(child.content, citations, find_links(child.content), entry_anchors))
    return out


def _split(text: str, citations: list[Citation], links: list[Link], entry_anchors: list[str]) -> list[Token]:
    spans: list[tuple[int, int, Token | None, Token | None]] = []
    for c in citations:
        if c.entry is not None:
            spans.append((c.start, c.end, _open(f"#{entry_anchors[c.entry]}", "cite"), None))
        elif c.url:
            spans.append((c.start, c.end, _open(c.url, "cite"), None))
        else:
            missing = Token("html_inline", "", 0)
            missing.content = (f'<span class="cite-missing" title="not in the report\'s reference list">'
                               f"{html.escape(c.label)}</span>")
            spans.append((c.start, c.end, None, missing))
    for link in links:
        if not any(link.start < end and start < link.end for start, end, _, _ in spans):
            spans.append((link.start, link.end, _open(link.url, "source-link"), None))
    spans.sort(key=lambda s: s[0])
    tokens: list[Token] = []
    at = 0
    for start, end, opening, whole in spans:
        tokens.append(_text(text[at:start]))
        if whole is not None:
            tokens.append(whole)
        else:
            tokens += [opening, _text(text[start:end]), Token("link_close", "a", -1)]  # type: ignore[list-item]
        at = end
    tokens.append(_text(text[at:]))
    return [t for t in tokens if t.type != "text" or t.content]


def _open(href: str, css: str) -> Token:
    token = Token("link_open", "a", 1)
    token.attrs = {"href": href, "class": css}
    return token


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _reference(entry: ReferenceEntry, anchor: str, references: ReferenceList, entry_anchors: list[str],
               page_references: dict[str, str]) -> ReportReference:
    md = _markdown()
    tokens = md.parseInline(entry.text or (entry.labels[0] if entry.labels else ""))
    for token in tokens:
        token.children = _linked(token.children or [], references, entry_anchors, {"citations": 0, "linked": 0})
    locators = [label[len(entry.key):].strip() for label in entry.labels
                if entry.key and label != entry.key and label_key(label) == entry.key]
    return ReportReference(
        anchor=anchor, label=_entry_name(entry, 0) if entry.key or entry.number is not None else "",
        locators="; ".join(dict.fromkeys(locators)) or None,
        html=Markup(_clean(md.renderer.render(tokens, md.options, {}))),
        source=entry.source,
        source_href=f"#{page_references[entry.source]}" if entry.source in page_references else None,
    )


def _clean(fragment: str) -> str:
    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES, allowed_classes=_CLASSES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)
