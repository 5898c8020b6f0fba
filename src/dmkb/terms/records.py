"""What the term index holds: terms, and the sources they were read from."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Relations to a parent. Some packaged sources give ancestors without saying which relation
# leads to them; those parents are kept apart rather than guessed.
IS_A = "is_a"
PART_OF = "part_of"
UNSPECIFIED = "is_a_or_part_of"
RELATIONS = (IS_A, PART_OF, UNSPECIFIED)


@dataclass(frozen=True, slots=True)
class Term:
    """One ontology term as a source gives it."""

    id: str
    label: str
    synonyms: tuple[str, ...] = ()
    definition: str | None = None
    obsolete: bool = False
    replaced_by: str | None = None
    parents: tuple[tuple[str, str], ...] = ()  # (relation, parent id)


@dataclass(frozen=True)
class TermSource:
    """A place terms are read from: a packaged ontology, a file given by the user, or a KB's caches.

    ``fingerprint`` changes whenever the data would (file sizes and times, package versions), so an
    unchanged source is not read again. ``read`` yields its terms; it is a module-level function
    (or a ``functools.partial`` of one) so that a source can be built in another process.
    """

    name: str
    ontology: str
    release: str
    prefixes: tuple[str, ...]
    fingerprint: str
    read: Callable[[], Iterable[Term]] = field(compare=False, repr=False)
    # KB caches only know labels: their terms fill gaps and never override an ontology's
    authoritative: bool = True
    size: int = 0  # bytes of data to read, so the largest sources are started first
    # a source holding only part of its ontology cannot tell that an id does not exist
    partial: bool = False
    # an index read where it is installed (the NCBI taxonomy): the build records only this folder
    in_place: str | None = None
    in_place_terms: int = 0  # how many terms that index holds
    # definitions are searched too (with less weight than names)
    search_definitions: bool = False
