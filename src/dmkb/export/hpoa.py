"""HPO annotations: each disorder's phenotypes in the columns of HPO's ``phenotype.hpoa``
(``disorders.hpoa``), with the format's header lines.

A disorder is named by its MONDO id (``database_id``); disorders without one, and phenotypes
without an HP id, are left out (the format has no place for them). ``reference`` lists the
PubMed ids of the phenotype's evidence (else the disorder's id, as HPO does for statements of
its curators), ``evidence`` is ``PCS`` (published clinical study) when there are any, else
``TAS``; the entry's frequency becomes an HPO frequency term, or stays a ratio or percentage;
an excluded phenotype is a ``NOT`` annotation.
"""

from __future__ import annotations

import re

from dmkb.export.graph import FREQUENCY_TERMS
from dmkb.export.source import CompiledKB, Disorder

COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset", "frequency",
           "sex", "modifier", "aspect", "biocuration")
_RATIO = re.compile(r"^\d+/\d+$|^\d+(\.\d+)?%$")


def export(kb: CompiledKB) -> dict[str, bytes]:
    """The files of the HPOA export, by name."""
    rows = sorted(row for d in kb.disorders if d.mondo_id for row in _rows(d))
    header = [
        f'#description: "HPO annotations of the disorders of a dmkb knowledge base ({len(rows)} annotations)"',
        f"#version: {kb.revision}",
        f"#generated-by: dmkb {kb.version}",
        f"#kb-revision: {kb.revision}",
        "\t".join(COLUMNS),
    ]
    lines = header + ["\t".join(row) for row in rows]
    return {"disorders.hpoa": ("\n".join(lines) + "\n").encode()}


def _rows(d: Disorder):
    for row in d.phenotypes:
        hpo_id = row["hpo_id"]
        if not hpo_id or not hpo_id.upper().startswith("HP:"):
            continue
        frequency = (row["frequency"] or "").strip()
        excluded = frequency.upper() == "EXCLUDED"
        pmids = sorted({e.reference for e in d.evidence_of(row["path"])
                        if e.reference and e.reference.upper().startswith("PMID:")})
        yield (
            d.mondo_id, _clean(d.name), "NOT" if excluded else "", hpo_id,
            ";".join(pmids) or d.mondo_id, "PCS" if pmids else "TAS", "",
            "" if excluded else FREQUENCY_TERMS.get(frequency.upper(), frequency if _RATIO.match(frequency) else ""),
            "", "", "P", "dmkb",
        )


def _clean(text: str) -> str:
    return " ".join(text.split())
