"""Literature records from files: PubMed XML (as efetch answers), PMC JATS XML, aggregator JSON
records (one object, a list, or JSON lines among other lines, as in search-engine exports),
and bare abstracts in text files.

An aggregator record may carry a translated title beside the English one, an escaped copy of
itself in ``resultStr`` and HTML in its abstract: the English title and abstract are chosen
from either copy, and the HTML removed. A text file gives a record without a title; its id is
``LOCAL:`` and the first 16 hex digits of the SHA-256 of the text's words, unless ``--id``
names it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError
from dmkb.fs import read_regular
from dmkb.load.text import decode
from dmkb.references.fetch.http import BadResponse
from dmkb.references.fetch.pmc import pmc_articles
from dmkb.references.fetch.pubmed import pubmed_records
from dmkb.references.identity import OWN_ID, same_id
from dmkb.references.ids import parse_reference_id
from dmkb.references.markup import BadMarkup, collapse, html_to_text, parse_xml
from dmkb.references.matching import normalize
from dmkb.references.record import ABSTRACT, LOCAL, YEAR, LiteratureRecord
from dmkb.settings import max_file_bytes

_FORMATS = "PubMed or PMC XML, aggregator JSON records, or a text file holding an abstract"
_DOI_IN_URL = re.compile(r"doi\.org/(10\.\S+)$", re.IGNORECASE)
_PMCID = re.compile(r"\bPMC[0-9]+\b")
MAX_ABSTRACT = 20_000  # characters: long structured abstracts run to 5,000
_KEY_LINE = re.compile(r"^[-\w]+:(\s|$)")
_SHORT_LINE = 60
_MANY_LINES = 20


def import_file(path: Path, reference_id: str | None = None, *, whole_text: bool = False) -> list[LiteratureRecord]:
    """The literature records in ``path``.

    :param reference_id: the id of the file's one record, when the file does not say it.
    :param whole_text: keep a text file whole even when it does not read as an abstract.
    :raises DmkbError: naming the file, when it cannot be read, holds no record, or is a text that
        does not read as an abstract (a saved web page, a YAML file, a long document).
    """
    raw = _read(path)
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        records = _xml_records(raw, path)  # bytes: the XML declaration may name another encoding
    else:
        text = _text(raw, path)
        records = [aggregator_record(obj) for obj in _json_objects(text, path)]
        if not records:
            problem = None if whole_text else not_an_abstract(text)
            if problem:
                raise DmkbError(f"{path}: this does not read as an abstract ({problem}); nothing was imported",
                                "put the abstract alone in a text file, or import the record as PubMed XML or "
                                "JSON; --whole-text keeps the file whole anyway")
            records = [text_record(text)]
    if reference_id:
        records = [_with_id(records, reference_id, path)]
    return [r.with_changes(source="import", extra={**r.extra, "imported_from": path.name}) for r in records]


def _read(path: Path) -> bytes:
    try:
        raw = read_regular(path, max_file_bytes())
    except OSError as exc:
        hint = "split the file, or raise DMKB_MAX_FILE_MB" if exc.errno == errno.EFBIG else "check the path"
        raise DmkbError(f"{path}: cannot read ({exc.strerror})", hint) from exc
    if not raw.strip():
        raise DmkbError(f"{path}: the file is empty", f"give {_FORMATS}")
    return raw


def _text(raw: bytes, path: Path) -> str:
    text, problem = decode(raw)
    if problem:
        raise DmkbError(f"{path}: line {problem.line}, column {problem.column}: {problem.message}", problem.hint)
    return text.strip()


def _xml_records(data: bytes, path: Path) -> list[LiteratureRecord]:
    try:
        root = parse_xml(data, str(path))
        if root.tag == "PubmedArticleSet":
            records = pubmed_records(root, str(path))
        elif root.tag in ("pmc-articleset", "article"):
            records = [a.record(f"PMID:{a.pmid}" if a.pmid else f"PMC:{a.pmcid}") for a in pmc_articles(root, str(path))]
        else:
            raise DmkbError(f"{path}: <{root.tag}> is neither PubMed nor PMC XML", f"give {_FORMATS}")
    except (BadMarkup, BadResponse) as exc:
        raise DmkbError(exc.message, "give the XML as PubMed's efetch answers it (retmode=xml)") from exc
    if not records:
        raise DmkbError(f"{path}: the XML holds no article", "export the articles from PubMed as XML")
    return records


def _json_objects(text: str, path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a file: the whole file as JSON, else every line that is a JSON object."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    except RecursionError:
        raise DmkbError(f"{path}: the JSON is nested too deeply to read", f"give {_FORMATS}") from None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    objects, broken = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("{"):
            try:
                loaded = json.loads(line)
            except ValueError as exc:
                broken = broken or f"{path}: line {number} looks like JSON but is not ({exc})"
                continue
            except RecursionError:
                broken = broken or f"{path}: line {number} holds JSON nested too deeply to read"
                continue
            if isinstance(loaded, dict):
                objects.append(loaded)
    if broken and not objects:
        raise DmkbError(broken, "repair the JSON record, or give the abstract as plain text")
    return objects


def aggregator_record(obj: dict[str, Any]) -> LiteratureRecord:
    """A record from an aggregator's JSON object and the copy of it in ``resultStr``, if any."""
    layers = [obj, *_nested(obj.get("resultStr"))]
    doi = _first(_doi(layer) for layer in layers)
    pmid = _first(str(layer.get(k) or "") for layer in layers for k in ("pmid", "PMID", "pubmedId"))
    text = _english(html_to_text(str(layer.get("abstract") or "")) for layer in layers) or ""
    record = LiteratureRecord(
        reference_id="",
        title=_english(collapse(html_to_text(str(layer.get("title") or ""))) for layer in layers),
        text=text,
        content_type=ABSTRACT,
        authors=_authors(_first(layer.get("authors") for layer in layers)),
        journal=_first(_journal(layer) for layer in layers),
        year=_first(_year(layer) for layer in layers),
        doi=doi,
        pmid=pmid if pmid and pmid.isdigit() else None,
        pmcid=_first(_pmcid(layer) for layer in layers),
    )
    return record.with_changes(reference_id=_id_of(record))


def not_an_abstract(text: str) -> str | None:
    """Why a text does not read as a bare abstract (one or a few paragraphs of prose), or ``None``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    keyed = sum(1 for line in lines if _KEY_LINE.match(line))
    short = sum(1 for line in lines if len(line) < _SHORT_LINE)
    if len(text) > MAX_ABSTRACT:
        return f"{len(text):,} characters, far more than an abstract holds"
    if keyed >= _MANY_LINES:
        return f"{keyed} of its {len(lines)} lines are 'key: value' lines, as in YAML or a web page's data"
    if len(lines) >= _MANY_LINES and short > len(lines) / 2:
        return f"{short} of its {len(lines)} lines are short, as in a web page's menus and lists"
    return None


def text_record(text: str) -> LiteratureRecord:
    """A record of a bare abstract: its whole text, no title, an id derived from its words."""
    return LiteratureRecord(reference_id=local_id(text), title=None, text=text, content_type=ABSTRACT)


def local_id(text: str) -> str:
    """``LOCAL:`` and 16 hex digits of the SHA-256 of the text's words (spacing, case and
    punctuation aside, so a re-typed copy gets the same id)."""
    return f"{LOCAL}:{hashlib.sha256(normalize(text).encode('utf-8')).hexdigest()[:16]}"


def _id_of(record: LiteratureRecord) -> str:
    if record.doi and not parse_reference_id(f"DOI:{record.doi}").problem:
        return f"DOI:{record.doi}"
    if record.pmid:
        return f"PMID:{record.pmid}"
    return local_id(record.text or record.title or "")


def _with_id(records: list[LiteratureRecord], reference_id: str, path: Path) -> LiteratureRecord:
    ref = parse_reference_id(reference_id)
    if ref.problem and not ref.only_spelling:
        raise DmkbError(f"--id {reference_id}: {ref.problem}", ref.hint)
    if len(records) != 1:
        raise DmkbError(f"{path}: --id names one record, but the file holds {len(records)}",
                        "import the file without --id, or one record at a time")
    canonical = ref.canonical
    prefix, _, local = canonical.partition(":")
    record = records[0]
    own = OWN_ID.get(prefix)
    value = getattr(record, own) if own else None
    if own and value is not None and not same_id(own, value, local):
        raise DmkbError(f"{path}: the record in the file is {prefix}:{value}, not {canonical}",
                        "check the id: the file names another work")
    changes = {own: local} if own and value is None else {}
    return record.with_changes(reference_id=canonical, **changes)


def _nested(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            loaded = json.loads(value)
        except (ValueError, RecursionError):
            return []
        return [loaded] if isinstance(loaded, dict) else []
    return []


def _first(values: Iterable[Any]) -> Any:
    return next((v for v in values if v), None)


def _english(candidates: Iterable[str]) -> str | None:
    """The first candidate written in Latin letters, else the first non-empty one."""
    texts = [c for c in candidates if c and c.strip()]
    return next((t for t in texts if _latin_share(t) >= 0.9), texts[0] if texts else None)


def _latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in letters) / len(letters) if letters else 0.0


def _doi(layer: dict[str, Any]) -> str | None:
    value = str(layer.get("doi") or layer.get("DOI") or "").strip()
    if value:
        return value.removeprefix("https://doi.org/").removeprefix("doi:")
    for key in ("DOIUrl", "ListUrlMain", "url"):
        found = _DOI_IN_URL.search(str(layer.get(key) or ""))
        if found:
            return found.group(1)
    return None


def _journal(layer: dict[str, Any]) -> str | None:
    journal = layer.get("journal")
    if isinstance(journal, dict):
        journal = journal.get("name") or journal.get("title")
    return collapse(str(journal or layer.get("PeriodicalName") or "")) or None


def _year(layer: dict[str, Any]) -> str | None:
    for key in ("year", "publicationDate", "EPubDate", "pubDate"):
        found = YEAR.search(str(layer.get(key) or ""))
        if found:
            return found.group(1)
    return None


def _pmcid(layer: dict[str, Any]) -> str | None:
    for key in ("PMCID", "pmcid", "openAccessPdf"):
        found = _PMCID.search(str(layer.get(key) or ""))
        if found:
            return found.group(0)
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        names = [str(v.get("name") if isinstance(v, dict) else v) for v in value]
    else:
        names = str(value or "").split(",")
    return tuple(n for n in (collapse(name) for name in names) if n)
