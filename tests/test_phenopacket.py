"""Reading GA4GH Phenopackets v2 for `dmkb diagnose --phenopacket` / `--batch DIR`: what is read,
what is not (the diagnosis), and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToJson
from phenopackets import (
    Diagnosis,
    Disease,
    Individual,
    Interpretation,
    OntologyClass,
    Phenopacket,
    PhenotypicFeature,
    Sex,
    TimeElement,
)

from dmkb.errors import DmkbError
from dmkb.similarity.batch import open_batch
from dmkb.similarity.phenopacket import MAX_BYTES, read_phenopacket, read_phenopacket_or_problem


def write_phenopacket(path: Path, case_id: str, observed: list[str], excluded: list[str] = (),
                      sex: int = Sex.UNKNOWN_SEX, onset: str | None = None) -> Path:
    """A phenopacket of these findings, written by the phenopackets package as phenopacket-store
    writes them (with a diagnosis, which the reader must not use)."""
    features = [PhenotypicFeature(type=OntologyClass(id=curie, label=curie)) for curie in observed]
    features += [PhenotypicFeature(type=OntologyClass(id=curie, label=curie), excluded=True) for curie in excluded]
    if onset:
        features[0].onset.CopyFrom(TimeElement(ontology_class=OntologyClass(id=onset, label="onset")))
    disease = OntologyClass(id="OMIM:154700", label="Marfan syndrome")
    packet = Phenopacket(id=case_id, subject=Individual(id="P1", sex=sex), phenotypic_features=features,
                         diseases=[Disease(term=disease)],
                         interpretations=[Interpretation(id="i1", diagnosis=Diagnosis(disease=disease))])
    path.write_text(MessageToJson(packet), encoding="utf-8")
    return path


def test_features_sex_and_onset_are_read(tmp_path: Path) -> None:
    path = write_phenopacket(tmp_path / "p.json", "PMID_1_P1", ["HP:0001166", "HP:0001083"], ["HP:0001249"],
                             sex=Sex.FEMALE, onset="HP:0003593")
    case = read_phenopacket(path)
    assert case.case_id == "PMID_1_P1"
    assert case.observed == ["HP:0001166", "HP:0001083"] and case.excluded == ["HP:0001249"]
    assert case.subject() == {"sex": "FEMALE", "onset": "HP:0003593"}


def test_a_folder_is_read_in_file_name_order(tmp_path: Path) -> None:
    write_phenopacket(tmp_path / "b.json", "second", ["HP:0001166"])
    write_phenopacket(tmp_path / "a.json", "first", ["HP:0001083"])
    (tmp_path / "notes.txt").write_text("not a phenopacket")
    assert [read_phenopacket_or_problem(p).case_id for p in open_batch(tmp_path)] == ["first", "second"]
    (tmp_path / "c.json").symlink_to("/dev/zero")  # endless: refused without being read
    (tmp_path / "d.json").write_bytes(b"{" + b" " * MAX_BYTES + b"}")  # too large
    unread = [read_phenopacket_or_problem(p) for p in open_batch(tmp_path)][2:]
    assert [(u.case_id, u.problem) for u in unread] == [("c", "cannot read (not a regular file)"),
                                                          ("d", "cannot read (larger than 16 MiB)")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DmkbError, match="no phenopacket"):
        open_batch(tmp_path / "empty")


@pytest.mark.parametrize(("text", "message"), [
    ('{"id": "x", "phenotypicFeatures": [{"typo": {"id": "HP:0001166"}}]}', "at phenotypicFeatures[0].typo:"),
    ('{"id": "x", "subject": {"sex": "WOMAN"}}', "at subject.sex: Invalid enum value WOMAN"),
    ('{"id": "x", "phenotypicFeatures": [{"type": {"id": 5}}]}', "at phenotypicFeatures.type.id:"),
    ('{"id": "x", "phenotypicFeatures": {"type": 1}}', "at phenotypicFeatures: repeated field"),
    ('{"id": "x", ', "not a valid phenopacket: invalid JSON: Expecting property name"),
    ('{"id": "x", "phenotypicFeatures": [{"type": {"id": "OMIM:154700"}}]}',
     "phenotypicFeatures[0].type.id is 'OMIM:154700', not an HPO id"),
    ('{"id": "x", "phenotypicFeatures": [{"type": {"id": "HP:0001166"}, "excluded": true}]}',
     "phenotypicFeatures lists no observed phenotype"),
])
def test_invalid_phenopackets_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DmkbError) as caught:
        read_phenopacket(path)
    assert caught.value.message.startswith(str(path)) and message in caught.value.message
    assert caught.value.hint
