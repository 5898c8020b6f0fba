"""The offline report's sections: what a narrow question shows after its short answer."""

from dmkb.research.compose import compose_offline
from dmkb.research.index import Document
from dmkb.research.query import Query
from dmkb.research.report import Evidence
from dmkb.research.text import stems


def _query(question: str) -> Query:
    words = stems("ivacaftor gating")
    return Query(question, None, dict.fromkeys(words, 1.0), [], [], frozenset(), [], whole_disorder=False)


def _evidence(key: str, quote: str, score: float) -> Evidence:
    return Evidence(f"PMID:{len(key)}{key}", quote, score, key, None)


def test_a_weak_passage_takes_no_place_for_being_alone_in_its_domain():
    strong = [_evidence(f"s{i}", f"Ivacaftor potentiates gating of the channel in treated patients, trial {i}.", 10 - i)
              for i in range(6)]
    weak = _evidence("weak", "Glutamate-gated channels are a risk factor and cause of excitotoxicity.", 1.0)
    documents = {e.key: Document(i, e.reference, e.key, (), None, "2020", None, None, None)
                 for i, e in enumerate([*strong, weak])}
    report = compose_offline(_query("How does ivacaftor act on gating?"), [*strong, weak], documents, limit=5)
    shown = [s.text for section in report.sections for s in section.statements]
    assert len(shown) == 5
    assert not any("Glutamate" in text for text in shown)
    assert all(any(f"trial {i}." in text for text in shown) for i in range(5))
