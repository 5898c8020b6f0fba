"""The literature index: passages cut from cached texts, built atomically, updated incrementally,
statements tied to the passages they quote, a damaged index built again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE
from research_helpers import copy_example

from dmkb import fs
from dmkb.compile.incremental import compile_kb
from dmkb.errors import UsageError
from dmkb.fs import exclusive
from dmkb.load.reference_files import parse_reference
from dmkb.references.matching import SourceText
from dmkb.research import sources, sqlite_index
from dmkb.research.ask import library_dir, open_library
from dmkb.research.sqlite_index import SqliteIndex, update_index
from dmkb.research.text import passages, stems

PUBMED_EXPORT = """## Content

1. Blood Cancer J. 2017 Dec 21;7(12):660. doi: 10.1038/s41408-017-0021-z.

Aggressive NK-cell leukemia: clinical subtypes.

Tang YT(1), Wang D(1), Luo H(2).

Author information:
(1)Department of Hematology, Tongji Hospital, Wuhan, China.

BACKGROUND: Aggressive NK-cell leukemia (ANKL) is rare. It was described e.g. in
Asia by Smith et al. in 1986.
RESULTS: The median OS was 55 days. STAT3 mutations were found in 21% of cases.

### Discussion

JAK inhibitors are a rational therapy.

DOI: 10.1038/s41408-017-0021-z
PMID: 29263371
"""


def test_passages_are_sentences_of_the_text_with_their_sections() -> None:
    found = passages(PUBMED_EXPORT)
    texts = [p.text for p in found]
    assert texts == [
        "Aggressive NK-cell leukemia: clinical subtypes.",
        "Aggressive NK-cell leukemia (ANKL) is rare.",
        "It was described e.g. in Asia by Smith et al. in 1986.",  # abbreviations end no sentence
        "The median OS was 55 days.",
        "STAT3 mutations were found in 21% of cases.",
        "JAK inhibitors are a rational therapy.",
    ]  # citation data, authors, affiliations, DOI and PMID lines are left out
    assert [p.section for p in found] == [None, "Background", "Background", "Results", "Results", "Discussion"]
    source = SourceText(PUBMED_EXPORT)
    for passage in found:  # each is a slice of the text, so the snippet matcher finds it
        assert " ".join(PUBMED_EXPORT[passage.start : passage.end].split()) == passage.text
        assert source.contains(passage.text)


PDF_TEXT = Path(__file__).parent / "fixtures" / "research" / "pdf_page_breaks.md"


def test_pdf_sentences_broken_by_a_page_break_are_joined_and_running_heads_dropped() -> None:
    cached = parse_reference(PDF_TEXT.read_text(encoding="utf-8"))
    texts = [p.text for p in passages(cached.text, pdf=True)]
    assert ("Activating mutations of STAT3 and gains of the JAK-STAT pathway genes were present in most ... "
            "patients, which makes the pathway a rational target of therapy.") in texts
    assert "The response to ruxolitinib ... was strong in two of three models." in texts
    # a superscript alone on its line is no page number: it stays, and breaks no sentence
    assert "Responses were weaker than to more potent inhibitors 12 (Supplementary Data 7)." in texts
    assert not any("Made-up Findings" in t or "MADE-UP" in t or "Percentage" in t for t in texts), texts
    assert not any(t[0].islower() for t in texts), "no passage opens mid-sentence"
    source = SourceText(cached.text)
    assert all(source.contains(t) for t in texts)


def test_a_pdf_full_text_is_indexed_with_whole_sentences(tmp_path: Path) -> None:
    cache = tmp_path / "references_cache"
    cache.mkdir()
    (cache / "PMID_90000001.md").write_bytes(PDF_TEXT.read_bytes())
    update_index(tmp_path / "literature.sqlite", cache, None)
    index = SqliteIndex(tmp_path / "literature.sqlite")
    found = [p.text for p in index.passages_of([1])]
    assert any(t.endswith("present in most ... patients, which makes the pathway a rational target of therapy.")
               for t in found)


def test_stems_fold_word_forms_and_gene_spellings() -> None:
    assert stems("JAK-STAT activation")[-1] == stems("activated")[0]
    assert stems("CTLA4") == stems("CTLA-4") == ["ctla", "4"]
    assert stems("TGF-β1") == ["tgf", "beta", "1"]


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the example KB, its compiled KB and where its index goes."""
    root = copy_example(tmp_path)
    kb_db = tmp_path / "kb.sqlite"
    compile_kb([root], kb_db)
    return root, kb_db, tmp_path / "index" / "literature.sqlite"


def test_index_is_built_then_updated_only_where_files_changed(example, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)  # files written just now count as settled
    root, kb_db, path = example
    cache = root / "references_cache"
    first = update_index(path, cache, kb_db)
    assert first.fresh and first.added == 11 and first.statements > 50
    again = update_index(path, cache, kb_db)
    assert not again.changed and again.unchanged == 11

    changed = cache / "PMID_37870698.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new finding about zebrafish models.\n",
                       encoding="utf-8")
    (cache / "DOI_10.1155_crh_7796972.md").unlink()
    update = update_index(path, cache, kb_db)
    assert (update.added, update.updated, update.removed, update.unchanged) == (0, 1, 1, 9)
    index = SqliteIndex(path)
    hits = index.search_passages(stems("zebrafish"), 5)
    assert [index.documents([h.doc])[h.doc].reference for h in hits] == ["PMID:37870698"]
    assert "DOI:10.1155/crh/7796972" not in {d.reference for d in index.documents(range(1, 100)).values()}


def test_an_edit_keeping_size_and_modification_time_is_seen(example, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)
    root, kb_db, path = example
    cache = root / "references_cache"
    update_index(path, cache, kb_db)
    edited = cache / "PMID_37870698.md"
    before = edited.stat()
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("zebrafish", "Zebrafish", 1) if "zebrafish" in text else text[:-9] + "Axolotls\n",
                      encoding="utf-8")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a restore or a copy keeping times does
    assert edited.stat().st_size == before.st_size
    assert update_index(path, cache, kb_db).updated == 1


def test_a_file_written_within_the_clock_tick_is_read_again(example) -> None:
    root, kb_db, path = example
    cache = root / "references_cache"
    update_index(path, cache, kb_db)
    for file in cache.glob("*.md"):  # written again just now, unchanged: a second write may yet keep its key
        file.write_bytes(file.read_bytes())
    assert update_index(path, cache, kb_db).updated == 11


def test_a_failed_build_leaves_the_old_index_and_no_temporary_file(example, monkeypatch) -> None:
    root, kb_db, path = example
    update_index(path, root / "references_cache", kb_db)
    before = path.read_bytes()
    real_read = sources.read_document
    calls = {"n": 0}

    def failing(cache, file):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk gone")
        return real_read(cache, file)

    monkeypatch.setattr(sources, "read_document", failing)
    with pytest.raises(OSError):
        update_index(path, root / "references_cache", kb_db, force=True)
    assert path.read_bytes() == before
    assert _files(path.parent) == [path.name]


def _files(folder: Path) -> list[str]:
    """The files of ``folder`` but lock files (they stay, empty, and lock nothing once closed)."""
    return sorted(n for n in os.listdir(folder) if not n.endswith(".lock"))


def _append(file: Path, sentence: str) -> None:
    file.write_text(file.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def test_concurrent_updates_do_not_collide(example, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)
    root, kb_db, path = example
    cache = root / "references_cache"
    update_index(path, cache, kb_db)
    for file in sorted(cache.glob("*.md"))[:4]:
        _append(file, "An added sentence about zebrafish models.")
    reports, errors = [], []

    def update() -> None:
        try:
            reports.append(update_index(path, cache, kb_db))
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=update) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.updated for r in reports) == [0, 0, 0, 4]
    index = SqliteIndex(path)
    assert index.document_count() == 11
    assert len({h.doc for h in index.search_passages(stems("zebrafish"), 20)}) == 4


def test_a_second_build_waits_for_the_first_and_says_so(example) -> None:
    root, kb_db, path = example
    path.parent.mkdir(parents=True)
    said: list = []

    def build() -> None:
        said.append(update_index(path, root / "references_cache", kb_db, on_wait=lambda: said.append("waiting")))

    with exclusive(path.parent, f".{path.name}.lock"):  # another build holds the index
        second = threading.Thread(target=build)
        second.start()
        ends = time.monotonic() + 30
        while not said and time.monotonic() < ends:
            time.sleep(0.02)
        assert said == ["waiting"] and not path.exists()
    second.join()
    assert said[1].added == 11


def test_a_reader_sees_the_index_before_an_update_or_after_it_never_half(example, monkeypatch) -> None:
    root, kb_db, path = example
    cache = root / "references_cache"
    update_index(path, cache, kb_db)
    for file in cache.glob("*.md"):
        _append(file, "An added sentence about zebrafish models.")
    monkeypatch.setattr(sqlite_index, "_BATCH", 2)  # small batches, as a large update would have
    seen = []

    def peek(done: int, total: int) -> None:
        if done == total:
            reader = SqliteIndex(path)
            seen.append(len({h.doc for h in reader.search_passages(stems("zebrafish"), 50)}))
            reader.close()

    update_index(path, cache, kb_db, on_progress=peek)
    assert seen == [0]
    assert len({h.doc for h in SqliteIndex(path).search_passages(stems("zebrafish"), 50)}) == 11


def test_a_killed_compile_of_the_library_is_cleared(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    open_library(root).close()
    stale = library_dir(root) / ".kb.sqlite.k1lled.tmp"
    stale.write_bytes(b"half a database")
    open_library(root).close()
    assert not stale.exists()


def test_a_killed_build_leaves_temporary_files_that_the_next_build_clears(example, tmp_path: Path) -> None:
    root, _kb_db, path = example
    script = tmp_path / "stalled_build.py"
    script.write_text(
        "import sys, time\nfrom pathlib import Path\nfrom dmkb.research.sqlite_index import update_index\n"
        "update_index(Path(sys.argv[1]), Path(sys.argv[2]), None,\n"
        "             on_progress=lambda done, total: time.sleep(60) if done == 3 else None)\n", encoding="utf-8")
    build = subprocess.Popen([sys.executable, str(script), str(path), str(root / "references_cache")])
    try:
        ends = time.monotonic() + 60
        while not (path.parent.is_dir() and any(n.endswith(".tmp") for n in os.listdir(path.parent))):
            assert build.poll() is None and time.monotonic() < ends, "the build never started"
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    assert [n for n in _files(path.parent) if n.startswith(f".{path.name}.")], "the killed build left its file"
    report = update_index(path, root / "references_cache", None)
    assert report.fresh and report.added == 11
    assert _files(path.parent) == [path.name]


def test_statements_quote_their_passages_and_hidden_entries_are_left_out(example) -> None:
    root, kb_db, path = example
    update_index(path, root / "references_cache", kb_db)
    index = SqliteIndex(path)
    found = index.search_statements(stems("JAK STAT activation"), (), 10)
    assert found and all(s.stem == "Aggressive_NK-cell_Leukemia" for s in found)
    linked = [s for s in found if s.passage is not None]
    assert linked, "some statement's snippet should be tied to the passage it quotes"
    for statement in linked:
        passage = next(p for p in index.passages_of([statement.doc]) if p.id == statement.passage)
        cached = parse_reference((root / "references_cache" / _file(statement.reference)).read_text(encoding="utf-8"))
        assert SourceText(cached.text).contains(passage.text)
    assert index.search_statements(stems("JAK STAT activation"), {"Aggressive_NK-cell_Leukemia"}, 10) == []


def _file(reference: str) -> str:
    prefix, _, local = reference.partition(":")
    return f"{prefix}_{local.replace('/', '_')}.md"


def test_a_damaged_index_is_built_again(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    library = open_library(root)
    path = library.index.path
    library.close()
    path.write_bytes(b"this is not a database" * 100)
    again = open_library(root)
    assert again.built.fresh and again.built.added == 11
    assert again.index.document_count() == 11
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_kb_without_cached_references_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    (root / "kb" / "disorders").mkdir(parents=True)
    (root / "kb" / "disorders" / "X.yaml").write_text("name: X\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no cached references"):
        open_library(root)


def test_an_unreadable_cache_file_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    broken = root / "references_cache" / "PMID_99999999.md"
    broken.write_bytes(b"---\ntitle: [unclosed\n---\n")
    library = open_library(root)
    assert [name for name, _problem in library.built.problems] == ["PMID_99999999.md"]
    assert library.index.document_count() == 12


def test_the_shipped_example_is_unchanged_by_indexing() -> None:
    """Indexing writes under DMKB_HOME only, never into the KB."""
    before = sorted(p.name for p in EXAMPLE.rglob("*"))
    open_library(EXAMPLE).close()
    assert sorted(p.name for p in EXAMPLE.rglob("*")) == before
