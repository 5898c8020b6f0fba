"""A question that names no disorder but names a gene or a drug a KB entry holds is steered to that
entry's literature; a word many entries use steers nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dmkb.research.ask import ask, open_library
from dmkb.research.job_answer import disorder_of_job
from dmkb.research.query import KbDisorder, analyse, read_kb_disorders
from dmkb.research.render import render_json, render_markdown

IVACAFTOR = "How does ivacaftor act on CFTR gating mutations?"
CF_PAPER, CF_REVIEW, EPILEPSY_PAPER = "PMID:2000001", "PMID:2000002", "PMID:2000003"

CF_ENTRY = """\
name: Cystic Fibrosis
genetic:
- name: CFTR
  association: Causative
- name: IL6
treatments:
- name: CFTR Modulators
  description: Ivacaftor potentiates the CFTR channel.
  evidence:
  - reference: PMID:2000001
    supports: SUPPORT
    snippet: Ivacaftor improved CFTR channel gating in patients with cystic fibrosis.
"""


def _entry(name: str) -> str:
    return f"name: {name}\ngenetic:\n- name: IL6\n  association: Risk\n"


def _reference(reference: str, title: str, text: str) -> str:
    return f'---\nreference_id: "{reference}"\ntitle: {title}\n---\n\n# {title}\n\n{text}\n'


@pytest.fixture
def library(tmp_path: Path):
    root = tmp_path / "kb_root"
    (root / "kb" / "disorders").mkdir(parents=True)
    (root / "kb" / "disorders" / "Cystic_Fibrosis.yaml").write_text(CF_ENTRY, encoding="utf-8")
    for name in ("Gout", "Psoriasis", "Epilepsy"):  # with cystic fibrosis, four entries name IL6
        (root / "kb" / "disorders" / f"{name}.yaml").write_text(_entry(name), encoding="utf-8")
    cache = root / "references_cache"
    cache.mkdir()
    for reference, title, text in [
        (CF_PAPER, "Ivacaftor in cystic fibrosis",
         "Ivacaftor improved CFTR channel gating in patients with cystic fibrosis. Sweat chloride fell."),
        (CF_REVIEW, "CFTR modulators",
         "Ivacaftor acts on CFTR gating mutations such as G551D in cystic fibrosis. The channel opens more often."),
        (EPILEPSY_PAPER, "Channel gating mutations",
         "Gating mutations act on sodium channels: how gating mutations act on neurons decides the seizures. "
         "Mutations act on gating."),
    ]:
        (cache / f"{reference.replace(':', '_')}.md").write_text(_reference(reference, title, text), encoding="utf-8")
    opened = open_library(root)
    yield opened
    opened.close()


def test_a_question_naming_a_gene_and_a_drug_is_steered_to_the_entry_naming_them(library) -> None:
    answer = ask(library, IVACAFTOR)
    assert answer.disorder is None  # the question names none
    [inferred] = answer.inferred
    assert (inferred.stem, set(inferred.words), inferred.strength) == ("Cystic_Fibrosis", {"ivacaftor", "CFTR"}, 1.0)
    order = [e.reference for e in answer.evidence]
    assert order.index(EPILEPSY_PAPER) > max(order.index(CF_PAPER), order.index(CF_REVIEW))
    # the same question without that entry in the KB: the paper matching "gating mutations act" comes second
    unsteered = ask(library, IVACAFTOR, hidden={"Cystic_Fibrosis"})
    assert not unsteered.inferred
    assert [e.reference for e in unsteered.evidence][:2] == [CF_REVIEW, EPILEPSY_PAPER]


def test_the_answer_says_which_disorder_was_inferred_and_from_what(library) -> None:
    answer = ask(library, IVACAFTOR)
    shown = json.loads(render_json(answer))["inferred"]
    assert shown == [{"disorder": "Cystic Fibrosis", "mondo_id": None, "stem": "Cystic_Fibrosis",
                      "from": ["ivacaftor", "CFTR"], "strength": 1.0}]
    assert "**Disorder inferred from the question's words:** Cystic Fibrosis, from ivacaftor, CFTR" in \
        render_markdown(answer)


def test_a_gene_many_entries_name_steers_nowhere(library) -> None:
    assert len([d for d in library.kb if "il6" in d.entities]) == 4
    answer = ask(library, "How does IL6 act on gating?")
    assert answer.inferred == []


def test_a_question_naming_a_disorder_is_not_inferred_about(library) -> None:
    answer = ask(library, "How does ivacaftor act on CFTR gating mutations in psoriasis?")
    assert answer.stem == "Psoriasis" and answer.inferred == []


def _kb(entries: dict[str, str]) -> list[KbDisorder]:
    out = []
    for stem, entity_words in entries.items():
        names = entity_words.split()
        out.append(KbDisorder(stem, stem, None, (stem,), entities=frozenset(names), vocabulary=frozenset(names)))
    return out


def test_a_gene_two_entries_name_steers_to_both_at_half_strength() -> None:
    kb = _kb({"A": "stat3 ruxolitinib", "B": "stat3", "C": "tp53"})
    query = analyse("How does STAT3 drive proliferation?", None, kb, None)
    assert [(i.disorder.stem, i.strength) for i in query.inferred] == [("A", 0.5), ("B", 0.5)]
    sharper = analyse("How does ruxolitinib act on STAT3?", None, kb, None)
    assert [(i.disorder.stem, i.words, i.strength) for i in sharper.inferred] == [("A", ("ruxolitinib", "STAT3"), 1.0)]


def test_entity_words_come_from_genes_treatments_and_gene_terms_not_evidence(library) -> None:
    [cf] = [d for d in read_kb_disorders(library.index.path.parent / "kb.sqlite") if d.stem == "Cystic_Fibrosis"]
    assert {"cftr", "ivacaftor", "il6"} <= cf.entities
    assert "sweat" not in cf.vocabulary  # words of the literature quoted as evidence are not the entry's


def test_a_question_asked_on_a_disorders_page_is_about_it_unless_it_names_another_entrys(library) -> None:
    """The research box of a disorder page asks about that disorder; a question naming another KB
    disorder, or naming none but only another entry's genes and drugs, is answered about that one."""
    assert disorder_of_job(library, IVACAFTOR, "Gout") is None  # the box on Gout's page: steered by its words
    answer = ask(library, IVACAFTOR, disorder=disorder_of_job(library, IVACAFTOR, "Gout"))
    assert [i.stem for i in answer.inferred] == ["Cystic_Fibrosis"] and answer.stem is None
    assert disorder_of_job(library, IVACAFTOR, "Cystic_Fibrosis") == "Cystic_Fibrosis"
    assert disorder_of_job(library, "Which gating mutations drive it?", "Gout") == "Gout"  # nothing else named
    assert disorder_of_job(library, "How does IL6 act on gating?", "Gout") == "Gout"  # a gene many entries name
    named = "How does ivacaftor act on CFTR gating mutations in psoriasis?"
    assert disorder_of_job(library, named, "Gout") is None
    assert ask(library, named, disorder=disorder_of_job(library, named, "Gout")).stem == "Psoriasis"
    assert disorder_of_job(library, "Does psoriasis share anything with gout?", "Gout") == "Gout"
