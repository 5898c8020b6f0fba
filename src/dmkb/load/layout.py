"""Find the parts of a knowledge base in the dismech layout.

::

    ROOT/kb/disorders/*.yaml           disorder entries (``*.history.yaml`` skipped)
    ROOT/references_cache/<ID>.md      cached reference texts
    ROOT/cache/<prefix>/terms.csv      cached term labels
    ROOT/cache/enums/*.csv             cached members of dynamic enums
    ROOT/research/*.md                 stored deep-research reports (``*.citations.md``: their companions)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import LoadError, UsageError

DISORDERS = Path("kb") / "disorders"
REFERENCES = "references_cache"
TERM_CACHE = "cache"
RESEARCH = "research"
COMPANION = ".citations.md"


@dataclass(frozen=True)
class KbLayout:
    """Where the parts of one knowledge base are."""

    root: Path
    disorder_files: tuple[Path, ...]
    whole: bool = True  # False when only some disorder files were given

    def every_disorder_file(self) -> tuple[Path, ...]:
        """All disorder files of the KB, also when only some were given."""
        if self.whole or not (self.root / DISORDERS).is_dir():
            return self.disorder_files
        return _disorder_files(self.root / DISORDERS)

    @property
    def references_dir(self) -> Path:
        return self.root / REFERENCES

    @property
    def cache_dir(self) -> Path:
        return self.root / TERM_CACHE

    def display_name(self, path: Path) -> str:
        """A file's name as findings show it: relative to the root, with forward slashes."""
        text, root = str(path), str(self.root)
        if text.startswith(root + "/"):  # the common case, without pathlib's parsing
            return text[len(root) + 1:]
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def find_layout(inputs: Sequence[str | Path]) -> KbLayout:
    """The layout for a KB root, or for single disorder files (their root is found upwards).

    :raises UsageError: when a path does not exist or the files belong to different KBs.
    :raises LoadError: when a directory cannot be listed.
    """
    paths = [Path(p) for p in inputs] or [Path.cwd()]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory", "give a KB root or disorder files")
    if len(paths) == 1 and paths[0].is_dir():
        return _layout_of_directory(paths[0].resolve())
    if any(p.is_dir() for p in paths):
        raise UsageError("give either one KB root or a list of disorder files, not both")
    for path in paths:
        if not path.name.endswith((".yaml", ".yml")):
            raise UsageError(f"{path}: not a disorder file (a .yaml file)", "give a KB root or disorder files "
                             f"(ROOT/{DISORDERS.as_posix()}/*.yaml); cached references are checked with them")
    files = tuple(p.resolve() for p in paths)
    roots = {_root_of_file(f) for f in files}
    if len(roots) > 1:
        raise UsageError(
            "these files belong to different knowledge bases: " + ", ".join(sorted(map(str, roots))),
            "validate one knowledge base at a time",
        )
    return KbLayout(roots.pop(), files, whole=False)


def _layout_of_directory(directory: Path) -> KbLayout:
    disorders = directory / DISORDERS
    if disorders.is_dir():
        return KbLayout(directory, _disorder_files(disorders))
    files = _disorder_files(directory)
    if not files:
        raise UsageError(
            f"{directory}: neither a KB root (no {DISORDERS.as_posix()}/) nor a folder of YAML files",
            f"give the folder that holds {DISORDERS.as_posix()}/",
        )
    return KbLayout(_root_of_file(files[0]), files)


def _disorder_files(directory: Path) -> tuple[Path, ...]:
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise LoadError(f"{directory}: cannot list the folder ({exc.strerror})") from exc
    return tuple(
        directory / name
        for name in sorted(names)
        if name.endswith((".yaml", ".yml")) and not name.endswith((".history.yaml", ".history.yml"))
    )


def _root_of_file(path: Path) -> Path:
    """``ROOT`` for ``ROOT/kb/disorders/x.yaml``; otherwise the file's own folder."""
    parent = path.parent
    if parent.name == DISORDERS.name and parent.parent.name == DISORDERS.parent.name:
        return parent.parent.parent
    return parent


def list_reports(root: Path) -> list[Path]:
    """The report files of ``ROOT/research/`` (companions and hidden files aside), by name."""
    folder = root / RESEARCH
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / name for name in sorted(names)
            if name.endswith(".md") and not name.endswith(COMPANION) and not name.startswith(".")]
