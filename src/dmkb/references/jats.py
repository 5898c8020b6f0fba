"""JATS XML (the format of PMC articles) to text: section headings as Markdown headings under
the cache's ``## Content``, paragraphs, list items, and the captions and cells of figures and
tables. Reference lists, footnotes and the back matter are left out."""

from __future__ import annotations

from lxml import etree

from dmkb.references.markup import collapse

_FLOATS = frozenset({"fig", "table-wrap"})
_GROUPS = frozenset({"fig-group", "table-wrap-group", "disp-quote", "boxed-text", "statement", "def-list",
                     "def-item", "def", "app", "app-group", "floats-group"})
_LEFT_OUT = frozenset({"ref-list", "fn-group", "glossary", "notes", "title", "label", "alt-title",
                       "sec-meta", "object-id", "graphic", "media", "supplementary-material"})
_NOT_INLINE = _FLOATS | {"list"}


def body_text(element: etree._Element | None, level: int = 3) -> str:
    """The text of a ``<body>`` or ``<abstract>``, sections headed ``###`` and deeper."""
    if element is None:
        return ""
    out: list[str] = []
    _blocks(element, level, out)
    return "\n\n".join(out)


def _blocks(element: etree._Element, level: int, out: list[str]) -> None:
    for child in element:
        _block(child, level, out)


def _block(element: etree._Element, level: int, out: list[str]) -> None:
    tag = _local(element)
    if tag is None or tag in _LEFT_OUT:
        return
    if tag == "sec":
        title = inline_text(element.find("title"))
        if title:
            out.append(f"{'#' * min(level, 6)} {title}")
        _blocks(element, level + 1, out)
    elif tag == "p":
        if text := inline_text(element):
            out.append(text)
        for nested in element:  # figures, tables and lists inside a paragraph follow it
            if _local(nested) in _NOT_INLINE:
                _block(nested, level, out)
    elif tag == "list":
        out.extend(f"- {text}" for item in element.iter("list-item") if (text := _item_text(item)))
    elif tag in _FLOATS:
        out.extend(_float(element))
    elif tag in _GROUPS:
        _blocks(element, level, out)
    elif text := inline_text(element):
        out.append(text)


def _item_text(item: etree._Element) -> str:
    return collapse(" ".join(inline_text(p) for p in item if _local(p) not in ("list", None)))


def _float(element: etree._Element) -> list[str]:
    """A figure's or table's label and caption, then a table's rows (cells joined by ``|``)."""
    label = inline_text(element.find("label"))
    caption = element.find("caption")
    caption_text = ""
    if caption is not None:
        caption_text = " ".join(t for t in (inline_text(c) for c in caption) if t)
    out = [collapse(f"{label}. {caption_text}" if label and caption_text else label or caption_text)]
    for row in element.iter("tr"):
        cells = [inline_text(cell) for cell in row if _local(cell) in ("td", "th")]
        if any(cells):
            out.append(" | ".join(cells))
    foot = element.find("table-wrap-foot")
    if foot is not None:
        out.append(collapse(" ".join(foot.itertext())))
    return [line for line in out if line]


def inline_text(element: etree._Element | None) -> str:
    """The running text of an element on one line, without nested figures, tables and lists."""
    if element is None:
        return ""
    return collapse(_inline(element))


def _inline(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if _local(child) not in _NOT_INLINE and _local(child) is not None:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _local(element: etree._Element) -> str | None:
    """The tag without namespace; ``None`` for comments and processing instructions."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else None

