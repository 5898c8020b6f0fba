"""The LinkML schema and the model generated from it."""

from __future__ import annotations

import yaml

from dmkb.schema import generate, model

BUILTIN_TYPES = {"string", "integer", "float", "boolean", "uriorcurie", "uri", "datetime", "date"}


def test_generated_model_is_up_to_date() -> None:
    assert generate.MODEL.read_text(encoding="utf-8") == generate.generated_source(), (
        "run: python -m dmkb.schema.generate"
    )


def test_every_range_is_defined() -> None:
    schema = yaml.safe_load(generate.SCHEMA.read_text(encoding="utf-8"))
    known = BUILTIN_TYPES | set(schema["types"]) | set(schema["classes"]) | set(schema["enums"])
    for class_name, slots in model.CLASSES.items():
        for slot_name, slot in slots.items():
            assert set(slot.ranges) <= known, f"{class_name}.{slot_name}: {slot.ranges}"


def test_newer_fields_of_the_format_are_in_the_schema() -> None:
    assert "reference_title" in model.CLASSES["EvidenceItem"]
    assert "mechanistic_hypotheses" in model.CLASSES["Disease"]
    assert "causal_link_type" in model.CLASSES["CausalEdge"]
    assert "target_mechanisms" in model.CLASSES["Treatment"]
    assert "treatment_effect" in model.CLASSES["TreatmentMechanismTarget"]
    assert "creation_date" in model.CLASSES["Disease"]
    assert model.CLASSES["CausalEdge"]["target"].required


def test_descriptors_inherit_their_fields_and_keep_their_term_binding() -> None:
    assert "preferred_term" in model.CLASSES["PhenotypeDescriptor"]
    assert model.TERM_BINDINGS["PhenotypeDescriptor"] == "PhenotypeTerm"
    assert model.ONTOLOGY_ROOTS["PhenotypeTerm"][0] == "HP:0000118"


def test_support_values_of_older_and_newer_entries_are_allowed() -> None:
    assert {"SUPPORT", "REFUTE", "NO_EVIDENCE", "PARTIAL", "WRONG_STATEMENT"} == set(
        model.ENUMS["EvidenceItemSupportEnum"]
    )
