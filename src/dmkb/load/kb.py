"""A knowledge base's files opened for reading: its layout, its disorder files, its research reports.

The caches that checks and the compiler also read (cited references, terms) are added above
``load``, by :class:`dmkb.knowledge_base.KnowledgeBase`."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dmkb.errors import LoadError
from dmkb.fs import read_regular
from dmkb.load.layout import KbLayout, find_layout, list_reports
from dmkb.settings import max_file_bytes

if TYPE_CHECKING:
    from dmkb.load.research_files import ResearchFile
    from dmkb.load.text import DecodeProblem
    from dmkb.load.yaml_reader import YamlDocument


@dataclass
class DisorderFile:
    """One disorder file: its bytes' digest and, once parsed, its values with their lines."""

    name: str  # relative to the KB root
    path: Path
    raw: bytes
    digest: str
    _doc: YamlDocument | None = field(default=None, repr=False)
    _decode_problem: DecodeProblem | None = field(default=None, repr=False)

    @property
    def doc(self) -> YamlDocument:
        """The parsed values (parsed on first use: remembered findings need no parsing)."""
        self._parse()
        return self._doc  # type: ignore[return-value]

    @property
    def decode_problem(self) -> DecodeProblem | None:
        self._parse()
        return self._decode_problem

    def _parse(self) -> None:
        if self._doc is None:
            from dmkb.load.text import decode
            from dmkb.load.yaml_reader import read_yaml  # the YAML parser: only for files to check

            text, self._decode_problem = decode(self.raw)
            self._doc = read_yaml(text)


class KbFiles:
    """The files of a KB, each read only when asked for."""

    def __init__(self, layout: KbLayout) -> None:
        self.layout = layout
        self.root = layout.root

    def read_disorder(self, path: Path) -> DisorderFile:
        """Read one disorder file's bytes (a regular file, within the size cap).

        :raises LoadError: when it cannot be read.
        """
        try:
            raw = read_regular(path, max_file_bytes())
        except OSError as exc:
            raise LoadError(f"{self.layout.display_name(path)}: cannot read ({exc.strerror})",
                            unreadable_hint(exc)) from exc
        return DisorderFile(
            self.layout.display_name(path), path, raw, hashlib.sha256(raw).hexdigest()
        )

    def research_files(self) -> list[Path]:
        """The stored deep-research reports of ``ROOT/research/``."""
        return list_reports(self.root)

    def read_research(self, path: Path) -> ResearchFile:
        """One stored report (never raises: what cannot be read is among its problems)."""
        from dmkb.load.research_files import read_report

        return read_report(self.root, path, max_file_bytes())


def unreadable_hint(exc: OSError) -> str:
    """How to fix a file that :func:`dmkb.fs.read_regular` refused."""
    if exc.errno == errno.EFBIG:
        return "split the file, or raise DMKB_MAX_FILE_MB if it really is this large"
    if exc.errno in (errno.EINVAL, errno.EISDIR):
        return "replace it with a regular file, or move it out of the KB"
    return "check the file's permissions"


def open_kb(inputs: Sequence[str | Path]) -> KbFiles:
    """Open the files of the KB of a root folder or of some disorder files (see :func:`find_layout`)."""
    return KbFiles(find_layout(inputs))
