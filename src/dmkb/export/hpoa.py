"""HPO annotations: each disorder's phenotypes in the columns of HPO's ``phenotype.hpoa``
(``disorders.hpoa``), with the format's header lines.

A disorder is named by its MONDO id (``database_id``); disorders without one, and phenotypes
without an HP id, are left out (the format has no place for them). ``reference`` lists the
PubMed ids of the phenotype's evidence (else the disorder's id, as HPO does for statements of
its curators), ``evidence`` is ``PCS`` (published clinical study) when there are any, else
``TAS``; the entry's frequency becomes an HPO frequency term, or stays a ratio or percentage;
an excluded phenotype is a ``NOT`` annotation; the onset category given on the phenotype's term
(else the one its contexts agree on) becomes an HPO onset term.
"""

from __future__ import annotations

import re
from typing import Any

from dmkb.export.graph import FREQUENCY_TERMS
from dmkb.export.source import CompiledKB, Disorder

COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id", "reference", "evidence", "onset", "frequency",
           "sex", "modifier", "aspect", "biocuration")
_RATIO = re.compile(r"^\d+/\d+$|^\d+(\.\d+)?%$")
# the schema's onset categories as terms of HPO's Onset branch (HP:0003674)
ONSET_TERMS = {
    "ANTENATAL": "HP:0030674", "EMBRYONAL": "HP:0011460", "FETAL": "HP:0011461", "CONGENITAL": "HP:0003577",
    "NEONATAL": "HP:0003623", "INFANTILE": "HP:0003593", "CHILDHOOD": "HP:0011463", "JUVENILE": "HP:0003621",
    "ADULT": "HP:0003581", "YOUNG_ADULT": "HP:0011462", "MIDDLE_AGE": "HP:0003596", "LATE": "HP:0003584",
    "PUERPERAL": "HP:4000040",
}


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
            ";".join(pmids) or d.mondo_id, "PCS" if pmids else "TAS", _onset(d.at(row["path"])),
            "" if excluded else FREQUENCY_TERMS.get(frequency.upper(), frequency if _RATIO.match(frequency) else ""),
            "", "", "P", "dmkb",
        )


def _onset(phenotype: Any) -> str:
    if not isinstance(phenotype, dict):
        return ""
    own = _category(phenotype.get("phenotype_term"))
    if own:
        return ONSET_TERMS.get(own, "")
    contexts = phenotype.get("phenotype_contexts")
    agreed = {_category(c) for c in contexts if isinstance(c, dict)} if isinstance(contexts, list) else set()
    return ONSET_TERMS.get(agreed.pop(), "") if len(agreed) == 1 else ""


def _category(holder: Any) -> str:
    onset = holder.get("onset") if isinstance(holder, dict) else None
    category = onset.get("onset_category") if isinstance(onset, dict) else None
    return category.strip().upper() if isinstance(category, str) else ""


def _clean(text: str) -> str:
    return " ".join(text.split())
