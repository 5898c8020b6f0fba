"""Check ``term``: every ontology term is well formed, from the ontology and branch its slot
allows, exists, is not obsolete and carries its current label.

The term index (``dmkb terms build``) answers for the ontologies it holds in full. Where it is not
built, or holds no (or only part of an) ontology, the KB's own term caches are the reference:
ids missing from them are warned about and labels compared with theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_walk import bound_terms, term_references, text
from dmkb.schema.model import ONTOLOGY_ROOTS, TERM_PREFIXES
from dmkb.term_ids import malformed
from dmkb.terms.records import curie_key
from dmkb.terms.store import normalize_name

if TYPE_CHECKING:  # the index is imported by whoever opened it (most KBs are checked without one)
    from dmkb.terms.index import TermIndex, TermInfo
    from dmkb.terms.search import Hit

NAME = "term"

_CLOSE = 90  # rapidfuzz similarity of two spellings of one name
_EXACT_NAME = 0.95  # search scores of exact labels (1.0) and exact synonyms (0.95)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def check(ctx: CheckContext) -> Iterator[Finding]:
    bindings = {path: enum for path, enum, _ in bound_terms(ctx.data)}
    index = ctx.kb.term_index
    for path, term in term_references(ctx.data):
        curie = term.get("id")
        if not isinstance(curie, str):
            continue  # missing or not text: the schema check reports it
        problem = malformed(curie)
        if problem:
            yield ctx.finding("error", (*path, "id"), problem, "write the id as PREFIX:local, e.g. HP:0001945")
            continue
        binding = bindings.get(path)
        wrong_ontology = _wrong_ontology(ctx, path, curie, binding)
        if wrong_ontology:
            yield wrong_ontology
            continue
        prefix = curie.partition(":")[0]
        label, preferred = text(term.get("label")), _preferred_term(ctx.data, path)
        if index is not None and index.authority(prefix):
            yield from _against_index(ctx, index, path, curie, label, binding, preferred)
        else:
            yield from _against_cache(ctx, path, curie, label, preferred)


def _preferred_term(data: Any, path) -> str | None:
    """The ``preferred_term`` written beside the ``term`` at ``path``, if any."""
    for key in path[:-1]:
        data = data[key] if isinstance(data, (dict, list)) else None
    return text(data.get("preferred_term")) if isinstance(data, dict) else None


def _wrong_ontology(ctx: CheckContext, path, curie: str, binding: str | None) -> Finding | None:
    allowed = TERM_PREFIXES.get(binding or "")
    prefix = curie.partition(":")[0]
    if not allowed or prefix.lower() in {p.lower() for p in allowed}:
        return None
    return ctx.finding("error", (*path, "id"),
                       f"{curie} is a {prefix} term, but {_slot_words(binding)} come from {_either(allowed)}",
                       f"choose a {_either(allowed)} term for this slot")


def _against_index(ctx: CheckContext, index: TermIndex, path, curie: str, label: str | None,
                   binding: str | None, preferred: str | None) -> Iterator[Finding]:
    prefix = curie.partition(":")[0]
    info = index.get(curie)
    if info is None or not info.source.authoritative:
        complete = index.complete_authority(prefix)
        if complete is None:  # the index holds only part of this ontology: the cache decides
            yield from _against_cache(ctx, path, curie, label)
            return
        if ctx.kb.terms.get(curie):
            why = " (the KB's term cache lists it; it may be newer than this release)"
        elif not complete.dated:
            why = " (that copy is undated and lists no obsolete terms: the id is wrong, obsolete or newer)"
        else:
            why = ""
        yield ctx.finding("error", (*path, "id"), f"{curie} does not exist in {complete.title}{why}",
                          f"check the id; search with: dmkb terms search 'WORDS' --prefix {prefix}")
        return
    if info.obsolete:
        yield ctx.finding("error", (*path, "id"), f"{curie} ({info.label}) is obsolete in {info.source.title}",
                          _replacement_hint(index, info))
        return
    wrong_branch = _wrong_branch(ctx, index, path, curie, info, binding)
    if wrong_branch:
        yield wrong_branch  # the id is wrong, so its label is beside the point
    elif label and info.label and not same_label(label, info.label):
        # the label names another term, and the preferred term does not side with the id: the id is
        # wrong, and changing the label would corrupt the entry
        named = None if _agree(preferred, info.label) else _term_named(index, label, curie, binding)
        if named is not None:
            yield ctx.finding("error", (*path, "id"),
                              f"{curie} is '{info.label}', but the label '{label}' is the name of {named.id} "
                              f"in {info.source.title}: the id is probably wrong",
                              f"write id: {named.id} ({named.label})")
        else:
            yield _label_finding(ctx, path, curie, label, info, _agree(preferred, info.label))


def _term_named(index: TermIndex, label: str, curie: str, binding: str | None) -> Hit | None:
    """Another current term of ``curie``'s ontology, within the slot's branch, whose exact label or
    synonym is ``label``."""
    from dmkb.terms.search import search

    prefix = curie.partition(":")[0]
    roots = _slot_roots(binding, prefix)
    for hit in search(index, label, prefix=prefix, limit=3, exact_only=True):
        if hit.score < _EXACT_NAME or normalize_name(hit.matched) != normalize_name(label):
            break  # only a name written exactly so counts, never a correction of a misspelt one
        if curie_key(hit.id) != curie_key(curie) and (not roots or index.ancestor_among(hit.id, roots) is not False):
            return hit
    return None


def _replacement_hint(index: TermIndex, info: TermInfo) -> str:
    if not info.replaced_by:
        return "the ontology names no replacement: choose a current term (dmkb terms search)"
    replacement = index.get(info.replaced_by)
    label = f" ({replacement.label})" if replacement else ""
    return f"replace it with {info.replaced_by}{label}"


def _label_finding(ctx: CheckContext, path, curie: str, label: str, info: TermInfo, preferred_agrees: bool) -> Finding:
    cached = ctx.kb.terms.get(curie)
    stale_cache = " (the KB's term cache still holds this older label)" \
        if cached and same_label(cached.label, label) else ""
    hint = f"write label: {info.label}" + ("; refresh the cache with: dmkb terms sync --write" if stale_cache else "")
    if preferred_agrees:
        hint += " (the preferred_term names it too)"
    elif not _close(label, info):  # another term may be meant, one whose name the index does not hold exactly
        prefix = curie.partition(":")[0]
        hint = f"if {curie} is meant, {hint}; if not, find the id: dmkb terms search '{label}' --prefix {prefix}"
    if not info.source.dated and _close(label, info):  # the KB's label may be newer than this copy
        return ctx.finding("warning", (*path, "label"),
                           f"label '{label}' differs from the label of {curie} in {info.source.title}: "
                           f"'{info.label}' (that copy is undated; the term may have been renamed since)",
                           f"check the label against the current release of {curie.partition(':')[0]}")
    return ctx.finding("error", (*path, "label"),
                       f"label '{label}' differs from the current label of {curie} in {info.source.title}: "
                       f"'{info.label}'{stale_cache}", hint)


def _close(label: str, info: TermInfo) -> bool:
    """Whether a label reads as another name of the term (a synonym, one name's words within the
    other's, or nearly the same spelling), rather than the name of another term."""
    from rapidfuzz import fuzz  # only for labels that differ: milliseconds of start-up

    written = normalize_name(label)
    for name in (normalize_name(n) for n in (info.label, *info.synonyms)):
        words, other = set(written.split()), set(name.split())
        if words <= other or other <= words or fuzz.ratio(written, name) >= _CLOSE:
            return True
    return False


def _wrong_branch(ctx: CheckContext, index: TermIndex, path, curie: str, info: TermInfo,
                  binding: str | None) -> Finding | None:
    roots = _slot_roots(binding, curie.partition(":")[0])
    if not roots or index.ancestor_among(curie, roots) is not False:
        return None
    named = " or ".join(f"{r} ({index.label(r)})" if index.label(r) else r for r in roots)
    return ctx.finding("error", (*path, "id"),
                      f"{curie} ({info.label}) is not under {named}, where {_slot_words(binding)} belong",
                      f"choose a term under {named}")


def _slot_roots(binding: str | None, prefix: str) -> tuple[str, ...]:
    """The roots of the slot's branch in the ontology of ``prefix``."""
    return tuple(r for r in ONTOLOGY_ROOTS.get(binding or "", ()) if r.partition(":")[0].lower() == prefix.lower())


def _agree(preferred: str | None, label: str) -> bool:
    return preferred is not None and same_label(preferred, label)


def _against_cache(ctx: CheckContext, path, curie: str, label: str | None, preferred: str | None) -> Iterator[Finding]:
    terms = ctx.kb.terms
    if not terms.covers(curie):
        return
    row = terms.get(curie)
    prefix = curie.partition(":")[0].lower()
    if row is None:
        if terms.in_enum_cache(curie):
            return  # known valid, only its label is not cached
        yield ctx.finding("warning", (*path, "id"), f"{curie} is not in the KB's term cache ({prefix})",
                          f"check the id, then add it to cache/{prefix}/terms.csv (dmkb terms sync --write)")
        return
    if label and row.label and not same_label(label, row.label):
        named = None if _agree(preferred, row.label) else terms.named(prefix, lambda cached: same_label(label, cached))
        if named is not None:
            yield ctx.finding("error", (*path, "id"),
                              f"{curie} is '{row.label}' in the KB's term cache, but the label '{label}' is the "
                              f"name of {named.curie} there: the id is probably wrong",
                              f"write id: {named.curie} ({named.label})")
        else:
            yield ctx.finding("error", (*path, "label"),
                              f"label '{label}' differs from the label of {curie}: '{row.label}'",
                              f"write label: {row.label}")


def _slot_words(binding: str | None) -> str:
    """``PhenotypeTerm`` → "phenotype terms"."""
    if not binding:
        return "terms here"
    return _CAMEL.sub(" ", binding.removesuffix("Term")).lower() + " terms"


def _either(prefixes: tuple[str, ...]) -> str:
    return " or ".join(prefixes)


def same_label(written: str, cached: str) -> bool:
    """Labels agree up to case, spacing and punctuation ("blood-brain barrier")."""
    return normalize_name(written) == normalize_name(cached)
