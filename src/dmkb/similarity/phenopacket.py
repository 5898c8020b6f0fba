"""Read GA4GH Phenopackets v2 (JSON, as phenopacket-store writes them) as cases for
``dmkb diagnose --phenopacket`` and ``--batch DIR``, through the ``phenopackets`` package's own
classes.

Read: the phenotypic features (observed, or ``excluded``), the subject's sex and the features'
onset. Not read: ``diseases`` and ``interpretations``, which hold the diagnosis (and the causal
gene): a ranking must not be handed its answer; give a gene with ``--gene``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import read_regular
from dmkb.term_ids import HPO_ID

MAX_BYTES = 16 * 2**20  # a phenopacket is a few kilobytes; this refuses a runaway file before reading it
_HINT = ("write GA4GH Phenopacket v2 JSON: phenotypicFeatures as "
         '[{"type": {"id": "HP:0001166", "label": "Arachnodactyly"}, "excluded": false}, …]')


@dataclass(frozen=True)
class PhenopacketCase:
    """One phenopacket's findings, as the engine takes them."""

    case_id: str
    observed: list[str]
    excluded: list[str]
    sex: str | None  # FEMALE, MALE, OTHER_SEX; None when unknown
    onset: str | None  # the earliest onset given, as its HPO term or ISO 8601 age
    path: Path

    def subject(self) -> dict:
        return {"sex": self.sex, "onset": self.onset}


def read_phenopacket(path: Path) -> PhenopacketCase:
    """The case of one phenopacket file.

    :raises DmkbError: when the file cannot be read, is not a valid phenopacket (naming the field),
        or has no phenotypic feature with an HPO id.
    """
    from google.protobuf.json_format import Parse, ParseError
    from phenopackets import Phenopacket

    try:
        text = read_regular(path, MAX_BYTES).decode("utf-8-sig")
    except OSError as exc:
        raise DmkbError(f"{path}: cannot read ({exc.strerror or exc})", "give a phenopacket JSON file") from exc
    except UnicodeDecodeError as exc:
        raise DmkbError(f"{path}: cannot read ({exc})", "give a phenopacket JSON file in UTF-8") from exc
    try:
        packet = Parse(text, Phenopacket())
    except ParseError as exc:
        field, reason = _field_of(str(exc))
        where = f" at {field}" if field else ""
        raise DmkbError(f"{path}: not a valid phenopacket{where}: {reason}", _HINT) from exc
    observed, excluded = [], []
    for i, feature in enumerate(packet.phenotypic_features):
        curie = feature.type.id.strip().upper()
        if not HPO_ID.fullmatch(curie):
            raise DmkbError(f"{path}: phenotypicFeatures[{i}].type.id is {curie!r}, not an HPO id",
                            "write phenotypes as HP:0000000")
        (excluded if feature.excluded else observed).append(curie)
    if not observed:
        raise DmkbError(f"{path}: phenotypicFeatures lists no observed phenotype", _HINT)
    return PhenopacketCase(packet.id or path.stem, observed, excluded, _sex(packet), _onset(packet), path)


@dataclass(frozen=True)
class UnreadablePhenopacket:
    """A file of a batch folder that is not a phenopacket we can rank: it is reported, not ranked."""

    path: Path
    problem: str

    @property
    def case_id(self) -> str:
        return self.path.stem


def read_phenopacket_or_problem(path: Path) -> PhenopacketCase | UnreadablePhenopacket:
    """The case of one phenopacket file of a batch folder; a file that cannot be read as one is an
    :class:`UnreadablePhenopacket`, so that one bad file never stops a batch."""
    try:
        return read_phenopacket(path)
    except DmkbError as exc:
        return UnreadablePhenopacket(path, exc.message.removeprefix(f"{path}: "))


def _sex(packet) -> str | None:
    from phenopackets import Sex

    if not packet.HasField("subject") or packet.subject.sex == Sex.UNKNOWN_SEX:
        return None
    return Sex.Name(packet.subject.sex)


def _onset(packet) -> str | None:
    """The onset of the first feature that gives one as an HPO term or an age."""
    for feature in packet.phenotypic_features:
        onset = feature.onset
        if onset.HasField("ontology_class"):
            return onset.ontology_class.id
        if onset.HasField("age"):
            return onset.age.iso8601duration
    return None


def _field_of(message: str) -> tuple[str, str]:
    """(the field's path, the reason) from protobuf's parse error, whose first line reads
    ``Failed to parse a field: Failed to parse b field: reason at "Phenopacket.a[0]"``."""
    first = message.splitlines()[0]
    fields = re.findall(r"Failed to parse (\w+) field: ", first)
    reason = re.sub(r"^(Failed to parse \w+ field: )+", "", first).rstrip(".")
    at = re.search(r'\s+at "?Phenopacket\.?([\w.\[\]]*)"?\.?$', reason)
    if at:
        reason = reason[:at.start()]
        named = re.search(r'has no field named "(\w+)"', reason)
        path = (at[1] or ".".join(fields)) + (f".{named[1]}" if named else "")
        return path.strip("."), reason
    return ".".join(fields), reason.replace("Failed to load JSON: ", "invalid JSON: ")
