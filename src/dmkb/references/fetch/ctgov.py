"""Registered trials through the ClinicalTrials.gov API v2: ``GET /studies/{nct}`` answers the
study as JSON, its facts grouped in ``protocolSection`` modules.

The cached text is what a trial says of itself: its summaries, then conditions,
interventions, status, design and sponsor, so snippets can quote any of them.
"""

from __future__ import annotations

from typing import Any

from dmkb.references.fetch.http import BadResponse, SourceClient, json_of
from dmkb.references.markup import collapse
from dmkb.references.record import SUMMARY, LiteratureRecord


class ClinicalTrials:
    """Studies by NCT id."""

    def __init__(self, client: SourceClient) -> None:
        self.client = client

    def study(self, nct_id: str) -> LiteratureRecord:
        """The study ``nct_id`` as a record. :raises NotFound: when there is no such study."""
        response = self.client.get(f"studies/{nct_id}", {"format": "json"})
        try:
            protocol = json_of(response, f"ClinicalTrials.gov's answer for {nct_id}")["protocolSection"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponse(f"ClinicalTrials.gov's answer for {nct_id} is not a study record") from exc
        return parse_study(protocol)


def parse_study(protocol: dict[str, Any]) -> LiteratureRecord:
    """A record from a study's ``protocolSection``."""
    ident = _module(protocol, "identificationModule")
    nct_id = str(ident.get("nctId") or "")
    status = _module(protocol, "statusModule")
    conditions = [str(c) for c in _module(protocol, "conditionsModule").get("conditions") or []]
    interventions = [_intervention(i) for i in _module(protocol, "armsInterventionsModule").get("interventions") or []
                     if isinstance(i, dict)]
    start = (status.get("startDateStruct") or {}).get("date")
    return LiteratureRecord(
        reference_id=f"clinicaltrials:{nct_id}",
        title=ident.get("briefTitle") or ident.get("officialTitle"),
        text=_text(protocol, conditions, interventions),
        content_type=SUMMARY,
        year=str(start)[:4] if start else None,
        nct_id=nct_id or None,
        source="clinicaltrials.gov",
        extra={
            "official_title": ident.get("officialTitle"),
            "status": status.get("overallStatus"),
            "conditions": conditions,
            "interventions": interventions,
        },
    )


def _text(protocol: dict[str, Any], conditions: list[str], interventions: list[str]) -> str:
    description = _module(protocol, "descriptionModule")
    status = _module(protocol, "statusModule")
    design = _module(protocol, "designModule")
    sponsor = (_module(protocol, "sponsorCollaboratorsModule").get("leadSponsor") or {}).get("name")
    facts = [
        ("Official title", _module(protocol, "identificationModule").get("officialTitle")),
        ("Conditions", "; ".join(conditions)),
        ("Interventions", "; ".join(interventions)),
        ("Overall status", status.get("overallStatus")),
        ("Start date", (status.get("startDateStruct") or {}).get("date")),
        ("Completion date", (status.get("completionDateStruct") or {}).get("date")),
        ("Study type", design.get("studyType")),
        ("Phases", ", ".join(design.get("phases") or [])),
        ("Enrollment", (design.get("enrollmentInfo") or {}).get("count")),
        ("Lead sponsor", sponsor),
    ]
    summary = str(description.get("briefSummary") or "").strip()
    detail = str(description.get("detailedDescription") or "").strip()
    if not (summary or detail):
        return ""  # facts alone are no text to check snippets against
    parts = [summary] + (["### Detailed description", detail] if detail else [])
    listed = [f"{name}: {value}" for name, value in facts if value not in (None, "")]
    if listed:
        parts += ["### Study", "\n".join(listed)]
    return "\n\n".join(p for p in parts if p)


def _intervention(item: dict[str, Any]) -> str:
    kind, name = item.get("type"), item.get("name")
    return collapse(f"{kind}: {name}" if kind else str(name or ""))


def _module(protocol: dict[str, Any], name: str) -> dict[str, Any]:
    module = protocol.get(name)
    return module if isinstance(module, dict) else {}
