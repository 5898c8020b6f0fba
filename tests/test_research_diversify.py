"""The order of evidence: several references before many passages of one, but no weak passage
placed early just for coming from another reference."""

from __future__ import annotations

from dmkb.research.index import Document, Passage
from dmkb.research.retrieve import Params, Scored, diversify
from dmkb.research.text import stems


def _scored(doc: int, seq: int, text: str, score: float) -> Scored:
    document = Document(doc, f"PMID:{doc}", None, (), None, None, None, str(doc), None)
    return Scored(Passage(doc * 100 + seq, doc, seq, None, text, tuple(stems(text))), document, score)


ON_TOPIC = [_scored(1, 0, "Crizotinib resistance arises from ALK kinase domain mutations.", 30.0),
            _scored(1, 1, "The L1196M gatekeeper mutation confers crizotinib resistance.", 25.0),
            _scored(2, 0, "ALK rearrangements define a subset of lung adenocarcinomas.", 28.0),
            _scored(2, 1, "Second-generation ALK inhibitors overcome crizotinib resistance.", 24.0)]
OFF_TOPIC = _scored(3, 0, "Isoniazid resistance arises from katG mutations.", 2.5)  # a tenth of its score kept


def test_each_reference_gives_its_best_passage_before_any_gives_a_second() -> None:
    order = diversify(ON_TOPIC, 10, per_reference=2)
    assert [(s.passage.doc, s.passage.seq) for s in order] == [(1, 0), (2, 0), (1, 1), (2, 1)]


def test_a_far_weaker_passage_of_another_reference_comes_after_the_strong_ones() -> None:
    first_five = diversify([*ON_TOPIC, OFF_TOPIC], 5, per_reference=2, floor=Params().floor)
    assert [s.passage.doc for s in first_five] == [1, 2, 1, 2, 3]
    without_floor = diversify([*ON_TOPIC, OFF_TOPIC], 5, per_reference=2)
    assert [s.passage.doc for s in without_floor][:3] == [1, 2, 3]  # the rule the floor corrects


def test_the_floor_keeps_the_cap_of_passages_per_reference() -> None:
    third = _scored(1, 2, "Crizotinib resistance mutations recur in ALK-positive tumours.", 26.0)
    order = diversify([*ON_TOPIC, third, OFF_TOPIC], 10, per_reference=2, floor=Params().floor)
    assert [s.passage.doc for s in order].count(1) == 2
    assert order[-1].passage.doc == 3
