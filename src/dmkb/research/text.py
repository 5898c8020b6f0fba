"""Words, stems and passages: how the literature index reads text. Pure functions over strings.

A cached reference is cut into passages of about one sentence, each a contiguous slice of the
cached text (so it can be quoted and verified), labelled with the section it sits in. Words are
those of the snippet matcher (:func:`dmkb.references.matching.normalize`), stemmed with the
Snowball English stemmer, so "activation", "activated" and "activating" are one word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from dmkb.references.matching import normalize

# Common English words, and the words every research question is phrased with: they say
# nothing about what is asked.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either few for from further had has
have having he her here hers him his how i if in into is it its itself just may me might more most must
my no nor not now of off on once only or other our out over own per same she should so some such than
that the their them then there these they this those through to too under until up upon very via was
we were what when where which while who whom why will with within without would you your
""".split())
QUESTION_WORDS = frozenset("""
role evidence known explain explained describe described tell show shows mean means work works
worked well used use using affect affects affected effect drive drives driven cause causes caused
occur occurs occurring course risk treated treat treating diagnosed diagnosis involved involve
associated association relation related relationship contribute contributes mechanism mechanisms
happen happens lead leads underlie underlies underlying
""".split())

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one normalised word (digits and short words are kept as they are)."""
    return word if len(word) < 4 or not word.isalpha() else _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """The words of ``text`` as the snippet matcher sees them: lower-case ASCII letters and digits."""
    return normalize(text).split()


# letters and digits are apart: "CTLA4" and "CTLA-4", "IL6" and "IL-6" are the same words
_LETTERS_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")


def stems(text: str) -> list[str]:
    """The stems of the words of ``text``, runs of letters and of digits taken apart."""
    return [stem(part) for w in words(text) for part in (_LETTERS_OR_DIGITS.findall(w) if not w.isalpha() else (w,))]


@dataclass(frozen=True)
class Passage:
    """A passage of a source, in the section ``section``: ``text`` is ``source[start:end]``, or for
    a sentence of a PDF broken by a page break, its two halves joined by `` ... `` (the snippet
    matcher reads that as a gap)."""

    section: str | None
    start: int
    end: int
    text: str


# a sentence ends at . ! or ? (and closing quotes or brackets) followed by space and a capital,
# digit or opening bracket; abbreviations below do not end sentences
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:al|e\.g|i\.e|vs|Fig|Figs|Ref|No|approx|ca|cf|Dr|Mr|Mrs|Ms|Prof|St|resp|Inc|Ltd|Co|Jr|Sr|spp|sp|var"
    r"|Suppl|Vol|pp|etc)\.|\b[A-Z]\.)$"
)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
# "RESULTS: …" and "Background: …" open the parts of structured abstracts
_LABEL = re.compile(r"^([A-Z][A-Za-z ,&/]{2,40}):\s+(?=\S)")
# paragraphs of PubMed's text export that are not the work's own words
_BOILERPLATE = re.compile(
    r"^(?:\d+\.\s+[^.\n]+\.\s+(?:19|20)\d\d\b|Author information:|\(\d+\)\S|DOI:|PMCID:|PMID:|Copyright|©|\(c\)|Comment (?:on|in)"
    r"|Erratum (?:in|for)|Update (?:of|in)|Retraction|Conflict of interest|Collaborators|Keywords?:|Trial registration"
    r"|\*\*(?:Authors|Journal|DOI|PMID|Source)\b)",
    re.IGNORECASE,
)
_AFFILIATION_MARK = re.compile(r"\w\(\d+(?:,\d+)*\)")
_MAX_WORDS = 80  # longer sentences (tables, run-on lists) are cut at semicolons, or into pieces
_MIN_WORDS = 4  # shorter pieces are joined to the next sentence


def passages(body: str, *, pdf: bool = False) -> list[Passage]:
    """The passages of a cached reference's text (what follows its front matter).

    The header dismech writes above ``## Content`` (title, authors, journal) is skipped, and so
    are the paragraphs of PubMed's text export that are citation data, affiliations or notices.
    In text extracted from a PDF (``pdf``), running heads and feet and page numbers are dropped,
    and so are short labels (of figures' axes, say); a sentence broken by a page break is one
    passage, its halves joined by `` ... `` (whatever lies between: figures, tables, a sidebar).
    """
    offset = 0
    content = re.search(r"^## Content[ \t]*$", body, re.MULTILINE)
    if content:
        offset = content.end()
    out: list[Passage] = []
    section: str | None = None
    broken: int | None = None  # the passage of ``out`` a page break cut short, waiting for its end
    spans = _pdf_paragraphs(body, offset) if pdf else [(s, e, False) for s, e in _paragraphs(body, offset)]
    for start, end, page_break in spans:
        paragraph = body[start:end]
        heading = _HEADING.match(paragraph)
        if heading and "\n" not in paragraph.strip():
            section = _section_name(heading.group(1))
            continue
        if _BOILERPLATE.match(paragraph) or _is_author_list(paragraph):
            continue
        if pdf and _is_label(paragraph):
            continue
        label = _LABEL.match(paragraph)
        if label and (label.group(1).isupper() or len(label.group(1).split()) <= 3):
            section = _section_name(label.group(1))
            start += label.end()
        found = [Passage(section, s, e, " ".join(body[s:e].split())) for s, e in _sentences(body, start, end)]
        if broken is not None and found and found[0].start - out[broken].end > _PAGE_GAP:
            broken = None  # its end was never found
        if broken is not None and found and found[0].text[0].islower():
            first, rest = out[broken], found.pop(0)
            out[broken] = Passage(first.section, first.start, rest.end, f"{first.text} ... {rest.text}")
            broken = None
        out.extend(found)
        # the first sentence cut short waits for its end (a figure's caption cut short after it does not)
        if broken is None and page_break and found and not _SENTENCE_ENDED.search(found[-1].text):
            broken = len(out) - 1
    return out


_PAGE_GAP = 8_000  # characters between a sentence cut short by a page break and its end, at most


# a sentence's last characters: . ! ? or : and closing quotes or brackets
_SENTENCE_ENDED = re.compile(r"[.!?:][\"'”’)\]]*$")
# a page number alone on its line ("12", "Page 3 of 12")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s+(?:of|/)\s+\d{1,4})?", re.IGNORECASE)
_LINE = re.compile(r"[^\n]+")


def _pdf_paragraphs(body: str, offset: int) -> list[tuple[int, int, bool]]:
    """Paragraphs of text extracted from a PDF, without running heads and feet (lines found again
    on other pages, numbers aside) and page numbers: (start, end, whether a page break follows)."""
    running = _running_lines(body[offset:])
    out: list[tuple[int, int, bool]] = []
    for start, end in _paragraphs(body, offset):
        begin = start
        lines = list(_LINE.finditer(body, start, end))
        for line in (lines[i] for i in _page_lines(lines, running)):
            kept = body[begin : line.start()]
            if kept.strip():
                first = begin + len(kept) - len(kept.lstrip())
                out.append((first, begin + len(kept.rstrip()), True))
            elif out:
                out[-1] = (out[-1][0], out[-1][1], True)
            begin = line.end()
        kept = body[begin:end]
        if kept.strip():
            out.append((begin + len(kept) - len(kept.lstrip()), end, False))
    return out


def _page_lines(lines: list[re.Match[str]], running: set[str]) -> list[int]:
    """Which of a paragraph's lines are the page's: running heads and feet, and numbers alone on
    their line beside one, or opening or closing the paragraph (a number between two lines of
    text is a reference's superscript, and stays)."""
    texts = [line.group().strip() for line in lines]
    heads = [_running_key(text) in running for text in texts]
    numbers = [bool(_PAGE_NUMBER.fullmatch(text)) for text in texts]

    def beside_page(i: int) -> bool:
        return i in (0, len(lines) - 1) or any(heads[j] or numbers[j] for j in (i - 1, i + 1))

    return [i for i in range(len(lines)) if heads[i] or (numbers[i] and beside_page(i))]


def _running_key(line: str) -> str:
    """A line as compared with the lines of other pages: numbers (page, volume) left out."""
    key = re.sub(r"\d+", "#", " ".join(line.split()))
    return key if len(key) >= 10 and len(key.split()) <= 20 else ""


def _running_lines(text: str) -> set[str]:
    counts = Counter(_running_key(line) for line in text.splitlines())
    return {key for key, count in counts.items() if key and count >= 2}


def _is_label(paragraph: str) -> bool:
    """A few words that are no sentence, nor the start of one (a figure's axis title, a legend)."""
    text = " ".join(paragraph.split())
    return len(words(text)) < 6 and not _SENTENCE_ENDED.search(text) and not text[:1].islower()


def _is_author_list(paragraph: str) -> bool:
    """PubMed's "Tang YT(1), Wang D(1), …": most names carry an affiliation number."""
    marks = len(_AFFILIATION_MARK.findall(paragraph))
    return marks > 0 and marks >= (paragraph.count(",") + 1) // 2


def _section_name(text: str) -> str:
    text = " ".join(text.strip(" #*:").split())
    return text.capitalize() if text.isupper() else text


# paragraphs end at blank lines, and before a line opening with a capitalised label ("RESULTS: …")
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![ \t]*\n|[A-Z][A-Z ,&/]{2,40}:\s))*")


def _paragraphs(body: str, offset: int) -> list[tuple[int, int]]:
    return [match.span() for match in _PARAGRAPH.finditer(body, offset)]


def _sentences(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans in ``body[start:end]``, trimmed, very long ones cut and very short ones joined."""
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _SENTENCE_END.finditer(body, start, end):
        if _ABBREVIATIONS.search(body, max(begin, match.start() - 12), match.start()):
            continue
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, end))
    pieces = [piece for s, e in spans for piece in _cut(body, s, e)]
    return _join_short(body, pieces)


def _cut(body: str, start: int, end: int) -> list[tuple[int, int]]:
    if len(body[start:end].split()) <= _MAX_WORDS:
        return [(start, end)]
    pieces, begin = [], start
    for match in re.finditer(r";\s+", body[start:end]):
        cut = start + match.start() + 1
        if len(body[begin:cut].split()) >= _MIN_WORDS * 3:
            pieces.append((begin, cut))
            begin = start + match.end()
    pieces.append((begin, end))
    out = []
    for s, e in pieces:  # still too long: pieces of _MAX_WORDS words
        tokens = list(re.finditer(r"\S+", body[s:e]))
        for i in range(0, len(tokens), _MAX_WORDS):
            chunk = tokens[i : i + _MAX_WORDS]
            out.append((s + chunk[0].start(), s + chunk[-1].end()))
    return out


def _join_short(body: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if not body[s:e].strip():
            continue
        if out and len(body[out[-1][0] : out[-1][1]].split()) < _MIN_WORDS:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return [(s, e) for s, e in out if len(words(body[s:e])) >= 2]
