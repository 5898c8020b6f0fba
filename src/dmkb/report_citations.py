"""Citation keys and reference lists of stored deep-research reports, in every provider's style.

- PaperQA style (falcon): ``(sanchez2024effective pages 8-9, NCT03064074)`` in the text and a list
  ``1. (sanchez2024effective pages 8-9): Concepcion Sanchez, … doi:10.1038/…`` at the end.
- Numbers (perplexity): ``[1][13]``, ``[2, 5]``, ``[3-6]``, resolved by a numbered list, often only
  in the ``.citations.md`` companion (``1. https://pubmed…/7719344/``).
- Bracketed keys (agent workflows): ``[smith-2002-autophagy-abstract]`` and a list of
  ``- [smith-2002-autophagy] Smith J, …`` or ``**key**: …`` entries.
- Keys of a list in parentheses (``dmkb ask --save``): ``(tang2017aggressivenkcellleukemia, …)``.
- PMIDs cited in brackets or parentheses: ``(PMID: 29263371)``.

Keys are resolved against the report's list (its entries, their numbers, the pages they cite), then
against the companion; a key written with a suffix the list lacks (``-abstract``) or only as author
and year is matched to the one entry it can name. Nothing here renders: :func:`find_citations`
and :func:`find_links` give spans of text that a renderer turns into links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dmkb.fs import FileKey
from dmkb.links import doi_url, pmc_url, pubmed_url, trial_url

_LOCATOR = r"(?:pages?\s+\d+(?:\s*[-–]\s*\d+)?|media\s+[0-9a-fA-F]+|chunk\s+\d+)"
_LABEL = re.compile(rf"^(?P<key>.+?)\s+{_LOCATOR}$")
_OPENS = r"[(\[,;]\s*"  # what comes before an item of a citation group (not part of the item)
_CLOSES = r"(?=\s*[\]),;])"
_PAPERQA = re.compile(rf"{_OPENS}(?P<label>(?P<key>[^\s,;()\[\]]*\d[^\s,;()\[\]]*(?:\([^\s()]*\)[^\s,;()\[\]]*)?)"
                      rf"\s+{_LOCATOR}){_CLOSES}")
_NUMBERS = re.compile(r"(?<!!)\[(?P<group>\d{1,4}(?:\s*(?:,|;|[-–])\s*\d{1,4})*)\](?!\()")
_NUMBER = re.compile(r"\d{1,4}")
_AUTHOR_YEAR = re.compile(r"(?<!!)\[(?P<label>[A-Za-z][\w'’.]*-(?:19|20)\d\d(?:-[\w'’.]+)*)\](?!\()")
# an item of a citation group that may be a key of the list: (key1, key2), [smith-2002-x], (NCT03064074)
_ITEM = re.compile(rf"{_OPENS}(?P<label>(?P<key>[^\s,;()\[\]]+(?:\([^\s()]*\)[^\s,;()\[\]]*)?)"
                   rf"(?:\s+{_LOCATOR})?){_CLOSES}")
_PMID_CITED = re.compile(rf"{_OPENS}(?P<label>PMID:?\s*(?P<pmid>\d{{1,9}})){_CLOSES}")
_REFERENCES_HEADING = re.compile(
    r"^\s{0,3}(?:(?P<hashes>#{1,6})\s*)?(?:\*\*|__)?(?:references?|bibliography|sources|works cited|"
    r"literature cited|citations|reference list)(?:\*\*|__)?\s*:?\s*$", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s")
_MARKER = re.compile(r"^\s*(?:(?P<number>\d{1,4})[.)]|[-*+•])\s+")
_ENTRY_KEYS = (
    re.compile(r"^\((?P<label>[^\s].*?)\)\s*:\s*"),  # (key pages 1-2): …
    re.compile(r"^\*\*(?P<label>[^*]+?)\*\*\s*[:.–-]?\s*"),  # **key**: …
    re.compile(r"^\[(?P<label>[^\]]+)\](?!\()\s*:?\s*"),  # [key] … or [12] …
    re.compile(r"^\^?(?P<label>[A-Za-z][\w.'’-]*\d[\w.'’-]*):\s+"),  # smith-2002-x: …
)
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

_URL = re.compile(r"https?://[^\s<>\"'`\]|]+", re.IGNORECASE)
_DOI = re.compile(r"(?<![\w/.])(?:doi:\s*)?(?P<doi>10\.\d{4,9}/[^\s\"<>`|\]]+)", re.IGNORECASE)
_PMID = re.compile(r"\bPMID:?\s*(?P<pmid>\d{1,9})\b")
_PMCID = re.compile(r"\b(?P<pmcid>PMC\d{4,9})\b")
_NCT = re.compile(r"\b(?P<nct>NCT\d{8})\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
_WORD = re.compile(r"[^a-z0-9]+")


@dataclass
class ReferenceEntry:
    """One entry of a report's reference list: its key (``None`` for plain numbered items), its
    number in a numbered list, the labels it is cited under and its text (markdown)."""

    key: str | None
    number: int | None
    text: str
    line: int  # of the report's body (1-based)
    labels: list[str] = field(default_factory=list)
    from_companion: bool = False
    source: str | None = None  # the id of the KB's cached copy of the source, when the KB has one

    @property
    def ids(self) -> dict[str, str]:
        """The identifiers its text gives: ``doi``, ``pmid``, ``pmcid``, ``nct``, ``url``."""
        return identifiers(" ".join([self.text, *self.labels]))

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "number": self.number, "labels": self.labels, "text": self.text,
                "source": self.source}

    @classmethod
    def from_json(cls, data: dict) -> ReferenceEntry:
        return cls(data.get("key"), data.get("number"), data.get("text") or "", 0, list(data.get("labels") or []),
                   source=data.get("source"))


@dataclass(frozen=True)
class Citation:
    """A citation key in a text: ``text[start:end]`` names ``entry`` (an index into the reference
    list), or nothing (``entry is None``), or a source outside the list (``url``)."""

    start: int
    end: int
    label: str
    entry: int | None
    url: str | None = None

    @property
    def linked(self) -> bool:
        return self.entry is not None or self.url is not None


@dataclass(frozen=True)
class Link:
    """An address written in a text (a URL, a DOI, a PMID, a PMC or NCT id) and where it leads."""

    start: int
    end: int
    url: str


def label_key(label: str) -> str:
    """The key of a label: ``sanchez2024x pages 8-9`` → ``sanchez2024x``."""
    label = " ".join(label.split())
    match = _LABEL.match(label)
    return match.group("key") if match else label


class ReferenceList:
    """A report's references, and the resolution of the keys its text cites."""

    def __init__(self, entries: list[ReferenceEntry]) -> None:
        self.entries = entries
        self._by_key: dict[str, int] = {}
        self._by_number: dict[int, int] = {}
        for index, entry in enumerate(entries):
            for name in (entry.key, *entry.labels):
                if name:
                    self._by_key.setdefault(_fold(name), index)
            if entry.number is not None:
                self._by_number.setdefault(entry.number, index)
        self._pmids = {entry.ids.get("pmid"): i for i, entry in enumerate(entries) if entry.ids.get("pmid")}
        self._texts = [_WORD.sub("", entry.text.lower()) for entry in entries]

    @property
    def has_keys(self) -> bool:
        return any(not k.isdigit() for k in self._by_key)

    def known(self, key: str) -> int | None:
        """The entry of exactly this key (or label), else ``None``; numbers are not keys."""
        folded = _fold(key)
        return None if folded.isdigit() else self._by_key.get(folded)

    def number(self, number: int) -> int | None:
        return self._by_number.get(number)

    def pmid(self, pmid: str) -> int | None:
        return self._pmids.get(pmid)

    def resolve(self, key: str) -> int | None:
        """The entry a key names: by label, key, the key without a suffix, or author and year."""
        folded = _fold(key)
        for candidate in (folded, _fold(label_key(key))):
            if candidate in self._by_key:
                return self._by_key[candidate]
        parts = folded.split("-")
        for end in range(len(parts) - 1, 1, -1):  # smith-2002-autophagy-abstract → smith-2002-autophagy
            if "-".join(parts[:end]) in self._by_key:
                return self._by_key["-".join(parts[:end])]
        return self._by_author_year(folded)

    def _by_author_year(self, key: str) -> int | None:
        """The one entry whose text holds the key's author, year and (when the key has them) title words."""
        year = _YEAR.search(key)
        if not year:
            return None
        author = _WORD.sub("", key[:year.start()])
        rest = _WORD.sub("", key[year.end():])
        if len(author) < 2:
            return None
        found = [i for i, text in enumerate(self._texts)
                 if author in text and year.group() in text and (not rest or rest[:12] in text)]
        return found[0] if len(found) == 1 else None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def reference_section(body: str) -> tuple[int, int] | None:
    """``(first, end)``: the lines (0-based) of the body's reference list, heading included; ``None``
    when it has none. The last ``References`` heading followed by entries counts."""
    lines = body.split("\n")
    fenced = False
    headings = []
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _REFERENCES_HEADING.match(line):
            headings.append(index)
    for first in reversed(headings):
        hashes = _REFERENCES_HEADING.match(lines[first]).group("hashes")
        end = len(lines)
        if hashes:
            end = next((i for i in range(first + 1, len(lines))
                        if (h := _HEADING.match(lines[i])) and len(h.group(1)) <= len(hashes)), len(lines))
        end = _without_trailing_text(lines, first + 1, end)
        if any(line.strip() for line in lines[first + 1:end]):
            return first, end
    return None


def _without_trailing_text(lines: list[str], start: int, end: int) -> int:
    """The end of a reference list whose entries are followed by paragraphs of another kind (a
    closing note): those paragraphs are not references."""
    paragraphs: list[int] = []  # first lines of the paragraphs
    for index in range(start, end):
        if lines[index].strip() and (index == start or not lines[index - 1].strip()):
            paragraphs.append(index)
    entries = [i for i in paragraphs if _starts_entry(lines[i])]
    if not entries:
        return end
    tail = [i for i in paragraphs if i > entries[-1] and not _starts_entry(lines[i]) and not lines[i][:1].isspace()]
    return tail[0] if tail and all(not _starts_entry(lines[i]) for i in paragraphs if i > tail[0]) else end


def _starts_entry(line: str) -> bool:
    return bool(_MARKER.match(line)) or any(p.match(line.strip()) for p in _ENTRY_KEYS)


def parse_entries(lines: list[str], first_line: int, *, from_companion: bool = False) -> list[ReferenceEntry]:
    """The entries of a reference list's lines (``first_line``: the 1-based body line of ``lines[0]``).

    Entries are list items, ``(key): …`` or ``[key] …`` lines, or paragraphs; indented lines
    continue the entry above. Entries of one key (a source cited at several pages) become one.
    """
    raw: list[tuple[int, int | None, list[str]]] = []  # (line, number, lines of text)
    current: list[str] | None = None
    for offset, line in enumerate(lines):
        if not line.strip():
            current = None
            continue
        marker = _MARKER.match(line)
        keyed = not line[:1].isspace() and line.lstrip().startswith(("(", "[", "**"))
        if current is not None and not marker and not keyed:
            current.append(line.strip())
            continue
        number = int(marker.group("number")) if marker and marker.group("number") else None
        current = [line[marker.end():].strip() if marker else line.strip()]
        raw.append((first_line + offset, number, current))
    entries: list[ReferenceEntry] = []
    by_key: dict[str, ReferenceEntry] = {}
    for line, number, parts in raw:
        text = " ".join(parts)
        label, text = _entry_label(text)
        if label is not None and label.isdigit():
            number, label = int(label), None
        key = label_key(label) if label else None
        if key and _fold(key) in by_key:
            by_key[_fold(key)].labels.append(label or key)
            continue
        entry = ReferenceEntry(key, number, text, line, [label] if label else [], from_companion)
        entries.append(entry)
        if key:
            by_key[_fold(key)] = entry
    return entries


def _entry_label(text: str) -> tuple[str | None, str]:
    for pattern in _ENTRY_KEYS:
        match = pattern.match(text)
        if match:
            return " ".join(match.group("label").split()), text[match.end():]
    return None, text


def companion_entries(items: Iterable[str]) -> list[ReferenceEntry]:
    """A companion's numbered items as entries: ``key pages 1-2`` items give keys, others (URLs,
    titles) are entries known by their number."""
    entries = []
    for number, item in enumerate(items, start=1):
        item = item.strip()
        if _LABEL.match(item) and " " not in label_key(item):
            entries.append(ReferenceEntry(label_key(item), number, "", 0, [item], from_companion=True))
        else:
            entries.append(ReferenceEntry(None, number, item, 0, [], from_companion=True))
    return entries


def find_citations(text: str, references: ReferenceList) -> list[Citation]:
    """Every citation key in ``text``, in order, each resolved (or not) against ``references``."""
    found: list[Citation] = []
    covered = bytearray(len(text))

    def add(start: int, end: int, label: str, entry: int | None, url: str | None = None) -> None:
        if 1 in covered[start:end]:
            return
        covered[start:end] = b"\1" * (end - start)
        found.append(Citation(start, end, label, entry, url))

    for match in _PAPERQA.finditer(text):
        add(match.start("label"), match.end("label"), match.group("label"),
            references.resolve(match.group("label")))
    if references.has_keys:
        for match in _ITEM.finditer(text):
            entry = references.known(match.group("key"))
            if entry is not None:
                add(match.start("label"), match.end("label"), match.group("label"), entry)
    for match in _NUMBERS.finditer(text):
        offset = match.start("group")
        for number in _NUMBER.finditer(match.group("group")):
            add(offset + number.start(), offset + number.end(), number.group(), references.number(int(number.group())))
    for match in _AUTHOR_YEAR.finditer(text):
        add(match.start("label"), match.end("label"), match.group("label"), references.resolve(match.group("label")))
    for match in _PMID_CITED.finditer(text):
        pmid = match.group("pmid")
        entry = references.pmid(pmid)
        add(match.start("label"), match.end("label"), match.group("label"), entry,
            None if entry is not None else pubmed_url(pmid))
    return sorted(found, key=lambda c: c.start)


def find_links(text: str) -> list[Link]:
    """URLs, DOIs, PMIDs, PMC ids and NCT ids written in ``text``, each with where it leads."""
    links: list[Link] = []

    def add(start: int, end: int, url: str) -> None:
        if not any(start < link.end and link.start < end for link in links):
            links.append(Link(start, end, url))

    for match in _URL.finditer(text):
        url = _trim(match.group())
        add(match.start(), match.start() + len(url), url)
    for match in _DOI.finditer(text):
        doi = _trim(match.group("doi"))
        add(match.start(), match.start("doi") + len(doi), doi_url(doi))
    for match in _PMID.finditer(text):
        add(match.start(), match.end(), pubmed_url(match.group("pmid")))
    for match in _PMCID.finditer(text):
        add(match.start(), match.end(), pmc_url(match.group("pmcid")))
    for match in _NCT.finditer(text):
        add(match.start(), match.end(), trial_url(match.group("nct")))
    return sorted(links, key=lambda link: link.start)


def identifiers(text: str) -> dict[str, str]:
    """The first DOI, PMID, PMC id, NCT id and URL a reference's text gives (URLs of PubMed, PMC and
    doi.org count as their ids)."""
    found: dict[str, str] = {}
    for match in _URL.finditer(text):
        url = _trim(match.group())
        found.setdefault("url", url)
        if m := re.search(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})|ncbi\.nlm\.nih\.gov/pubmed/(\d{1,9})", url):
            found.setdefault("pmid", m.group(1) or m.group(2))
        if m := re.search(r"/(PMC\d{4,9})\b", url):
            found.setdefault("pmcid", m.group(1))
    for name, pattern in (("doi", _DOI), ("pmid", _PMID), ("pmcid", _PMCID), ("nct", _NCT)):
        match = pattern.search(text)
        if match and name not in found:
            found[name] = _trim(match.group(name)).rstrip("/") if name == "doi" else match.group(name)
    if "doi" in found:
        found["doi"] = found["doi"].lower()
    return found


def reference_ids(ids: dict[str, str]) -> list[str]:
    """The ids a KB's reference cache would file the source under: ``DOI:…``, ``PMID:…``, ``clinicaltrials:…``."""
    out = []
    if ids.get("pmid"):
        out.append(f"PMID:{ids['pmid']}")
    if ids.get("doi"):
        out.append(f"DOI:{ids['doi']}")
    if ids.get("nct"):
        out.append(f"clinicaltrials:{ids['nct']}")
    return out


def _trim(text: str) -> str:
    """An address without the punctuation that ends the sentence around it (``…/x).`` → ``…/x``)."""
    while text and text[-1] in ".,;:!?'\"*_)":
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break
        text = text[:-1]
    return text


@dataclass
class ReportContent:
    """What a page shows of a report: its text without the reference list, and the list."""

    body: str
    entries: list[ReferenceEntry]


def report_content(body: str, body_line: int, companion: Iterable[str]) -> ReportContent:
    """The report's text, its reference list taken out, and the list."""
    entries, section = report_references(body, body_line, companion)
    if section:
        lines = body.split("\n")
        body = "\n".join(lines[:section[0]] + lines[section[1]:]).strip("\n")
    return ReportContent(body, entries)


def report_references(body: str, body_line: int, companion: Iterable[str]) -> tuple[
        list[ReferenceEntry], tuple[int, int] | None]:
    """A report's reference list and where it sits in the body (``(first, end)`` lines, or ``None``).

    The report's own list comes first; the companion's items stand in for it when the report has
    none, and otherwise add the keys the list lacks.
    """
    section = reference_section(body)
    entries: list[ReferenceEntry] = []
    if section:
        first, end = section
        entries = parse_entries(body.split("\n")[first + 1:end], body_line + first + 1)
    extra = companion_entries(companion)
    if not entries:
        return [e for e in extra if e.key or e.text], section
    listed = ReferenceList(entries)
    return entries + [e for e in extra if e.key and listed.resolve(e.key) is None], section


def cached_sources(content: ReportContent, lookup: Callable[[str], tuple[str, FileKey] | None]) -> dict[str, Any]:
    """Mark each entry whose source the KB's reference cache holds and return what was looked up.

    :param lookup: a reference id (``DOI:…``, ``PMID:…``) -> the id of its cache file and the file's
        signature, or ``None`` when it is not cached.
    :returns: reference id -> ``[cache id, *file key]`` or ``None``: a report depends on these.
    """
    looked: dict[str, Any] = {}
    for entry in content.entries:
        for ref in reference_ids(entry.ids):
            found = lookup(ref)
            looked[ref] = [found[0], *found[1]] if found else None
            if found and entry.source is None:
                entry.source = found[0]
    return looked
