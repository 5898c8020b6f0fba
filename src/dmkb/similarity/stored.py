"""Similar conditions of every disorder of a compiled KB, computed by the engine from ``kb.sqlite``
alone (its disorders) and the HPO data, for the pages to show.

They depend on the whole KB and on the HPO data, so they are computed for every disorder at once;
:func:`similar_signature` names everything they depend on, so that a caller can keep them and
compute them again only when it changes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dmkb.compile.read import connect_readonly
from dmkb.errors import DmkbError
from dmkb.forked import forked_map
from dmkb.signature import code_signature

if TYPE_CHECKING:
    from dmkb.similarity.similar import Similarities

SIMILAR_LIMIT = 6  # KB disorders and HPO diseases listed on a page, each
# what the score of a similar condition means, for the pages and the command line
SCORE_MEANING = ("The score says how well the phenotypes of {name} fit each condition: the sum of their log "
                 "likelihood ratios, above 0 when they fit it better than an average disease, below 0 when "
                 "worse; between disorders of the knowledge base each shared mechanism term adds how rare it "
                 "is among them. Only conditions that share a phenotype or a mechanism term are listed.")

Progress = Callable[[int, int], None]  # (done, total)


def similar_signature(db_path: Path) -> str:
    """The disorders as compiled into ``db_path``, the HPO data and the code, hashed: what similar
    conditions depend on. :raises DmkbError: when the HPO data is missing."""
    from dmkb.similarity.sources import find_inputs

    inputs = find_inputs().fingerprint
    with contextlib.closing(connect_readonly(db_path)) as conn:
        digests = "\n".join(f"{stem}:{digest}" for stem, digest in
                            conn.execute("SELECT stem, digest FROM disorders ORDER BY stem"))
    return hashlib.sha256("\0".join((inputs, code_signature(), digests)).encode()).hexdigest()


def compute_similar(db_path: Path, on_progress: Progress | None = None) -> dict[str, dict]:
    """The similar conditions of every disorder compiled into ``db_path``, by stem.

    :raises DmkbError: when the HPO data is missing.
    """
    from dmkb.similarity.engine import Engine
    from dmkb.similarity.similar import Similarities

    if on_progress:
        on_progress(0, 1)  # loading the engine can take a while: the first time, it builds the model
    similarities = Similarities(Engine.load(db_path))
    stems = sorted(similarities.rows)
    rows = {}
    for done, (stem, found) in enumerate(zip(stems, forked_map(functools.partial(_of, similarities), stems)), 1):
        if found is not None:
            rows[stem] = found
        if on_progress:
            on_progress(done, len(stems))
    return rows


def _of(similarities: Similarities, stem: str) -> dict | None:
    try:
        return similarities.of(stem, limit=SIMILAR_LIMIT)
    except DmkbError:  # an entry the engine cannot read has no similar conditions
        return None
