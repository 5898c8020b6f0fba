"""The cache of reference texts: ``references_cache/<PREFIX>_<id>.md``, looked up by id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from dmkb.fs import FileKey, file_key, read_regular
from dmkb.load.text import decode
from dmkb.settings import max_file_bytes

if TYPE_CHECKING:
    from dmkb.load.reference_files import ReferenceText


def cache_file_name(reference_id: str) -> str:
    """``PMID:1`` → ``PMID_1.md``; ``DOI:10.1/a/b`` → ``DOI_10.1_a_b.md`` (first ``:`` and every ``/``)."""
    prefix, _, local = reference_id.strip().partition(":")
    return f"{prefix}_{local.replace('/', '_')}.md"


class ReferenceCache:
    """Read-only access to one cache folder; each file is read at most once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            names = os.listdir(directory)
        except OSError:
            names = []
        # DOIs are case-insensitive, and so are file names on some systems
        self._names = {name.lower(): name for name in names if name.endswith(".md")}
        self._read: dict[str, ReferenceText] = {}
        self._signatures: dict[str, FileKey | None] = {}  # by reference id
        self._dois: dict[str, str] | None = None

    def path_of(self, reference_id: str) -> Path | None:
        """The cache file of ``reference_id``, or ``None`` when it is not cached."""
        name = self._names.get(cache_file_name(reference_id).lower())
        return self.directory / name if name else None

    def add(self, path: Path) -> None:
        """Take note of a file just written to the folder (its old text, if read, is forgotten)."""
        self._names[path.name.lower()] = path.name
        self._read.pop(path.name, None)
        self._signatures.clear()

    def file_names(self) -> list[str]:
        """The file names of every cached reference, sorted."""
        return sorted(self._names.values())

    def get(self, reference_id: str) -> ReferenceText | None:
        """The cached reference, or ``None`` when it is not cached or cannot be read."""
        path = self.path_of(reference_id)
        return None if path is None else self.read(path.name)

    def read(self, name: str) -> ReferenceText:
        """The cache file ``name`` of this folder, read once (a problem says why it cannot be)."""
        if name not in self._read:
            from dmkb.load.reference_files import ReferenceText, parse_reference  # YAML: only when one is read

            path = self.directory / name
            try:
                raw = read_regular(path, max_file_bytes())
            except OSError as exc:
                self._read[name] = ReferenceText(problem=f"cannot read {name} ({exc.strerror})")
            else:
                self._read[name] = parse_reference(decode(raw)[0])
        return self._read[name]

    def locate(self, reference_id: str) -> tuple[str, FileKey] | None:
        """The id of the cache file holding ``reference_id`` and the file's signature; a DOI may be
        filed under the PMID of its record (see :meth:`by_doi`). ``None`` when it is not cached."""
        signature = self.signature(reference_id)
        if signature is None and reference_id.upper().startswith("DOI:"):
            other = self.by_doi(reference_id[4:])
            if other:
                return (other, found) if (found := self.signature(other)) else None
        return (reference_id, signature) if signature else None

    def by_doi(self, doi: str) -> str | None:
        """The id of the cache file whose front matter gives ``doi`` (a PubMed record filed under its
        PMID), or ``None``. The first call reads the front matter of every file."""
        if self._dois is None:
            self._dois = {}
            for name in self.file_names():
                metadata = self._front_matter(name)
                value, ref = metadata.get("doi"), metadata.get("reference_id")
                if isinstance(value, str) and isinstance(ref, str) and value.strip():
                    self._dois.setdefault(value.strip().lower(), ref.strip())
        return self._dois.get(doi.strip().lower())

    def _front_matter(self, name: str) -> dict:
        from dmkb.load.reference_files import parse_reference

        if name in self._read:
            return self._read[name].metadata
        try:
            text = decode(read_regular(self.directory / name, max_file_bytes()))[0]
        except OSError:
            return {}
        return parse_reference(text).metadata

    def signature(self, reference_id: str) -> FileKey | None:
        """The :func:`~dmkb.fs.file_key` of the cache file, to tell when it changed (taken once: a
        KB of hundreds of entries asks for the same references again and again)."""
        if reference_id not in self._signatures:
            name = self._names.get(cache_file_name(reference_id).lower())
            self._signatures[reference_id] = file_key(self.directory / name) if name else None
        return self._signatures[reference_id]
