"""Quote matching: which snippets count as appearing in their source, and which do not."""

from __future__ import annotations

import pytest

from dmkb.references.matching import SourceText, closest_passage, normalize, quote_parts

SEVERE = "It was severe and, after many years, fatal in all."

ACCEPTED = [
    # case, whitespace, line breaks, non-breaking spaces
    ("Serum IL-6 levels rose sharply.", "serum il-6   levels\nROSE sharply"),
    ("the non\u00a0coding\u00a0region", "the non coding region"),
    ("the non coding region", "the non\u00a0coding region"),
    # dashes, quotes, primes, ligatures
    ("JAK\u2010STAT signalling", "JAK-STAT signalling"),
    ("JAK\u2013STAT signalling", "JAK-STAT signalling"),
    ("JAK\u2014STAT signalling", "JAK-STAT signalling"),
    ("JAK-STAT signalling", "JAK\u2013STAT signalling"),
    ("the \u201cbest\u201d drug", 'the "best" drug'),
    ("the \u2018best\u2019 drug", "the 'best' drug"),
    ("at the 5\u2032 end", "at the 5' end"),
    ("gene pro\ufb01ling", "gene profiling"),
    # Greek letters and their names, both ways
    ("TGF-\u03b21 signalling", "TGF-beta1 signalling"),
    ("TGF-beta1 signalling", "TGF-\u03b21 signalling"),
    ("IFN-\u03b1 therapy", "IFN-alpha therapy"),
    ("IFN-alpha therapy", "IFN-\u03b1 therapy"),
    ("NF-\u03baB activation", "NF-kappaB activation"),
    ("NF-kappaB activation", "NF-\u03baB activation"),
    ("a 5 \u00b5m section", "a 5 \u03bcm section"),  # micro sign vs Greek mu
    ("a 5 \u00b5m section", "a 5 mum section"),
    # accents
    ("primary Sj\u00f6gren syndrome", "primary Sjogren syndrome"),
    ("primary Sjogren syndrome", "primary Sj\u00f6gren syndrome"),
    # editorial insertions and gaps
    ("The disease was severe in all patients.", "The [disease] was severe"),
    ("The disease was severe in all patients.", "The disease was [clinically] severe"),
    (SEVERE, "It was severe ... fatal in all"),
    (SEVERE, "It was severe [...] fatal in all"),
    pytest.param(SEVERE, "It was severe \u2026 fatal in all", id="unicode-ellipsis-gap"),
    # citation markers the quote leaves out
    ("IL-6 is raised [12] in serum.", "IL-6 is raised in serum."),
    ("IL-6 is raised [3, 5\u20137] in serum.", "IL-6 is raised in serum."),
    # words glued or split by PDF extraction
    ("ResultsBoys and girls were affected", "Boys and girls were affected"),
    ("we found mutations inSTAT3(21%) of cases", "mutations in STAT3 (21%)"),
    ("as seen in 12 patients13. Next,", "as seen in 12 patients."),
    ("gene pro \ufb01ling was done", "gene profiling was done"),
    # symbols that are no words never create or glue letters: marks set after a name go ...
    ("Inotersen/Tegsedi\u2122 was approved", "Inotersen/Tegsedi"),
    ("In the ImmunoGuard\u2122 study, these were", "In the ImmunoGuard study"),
    ("In the ImmunoGuard\u2122 study, these were", "In the ImmunoGuard\u2122 study"),
    ("the ServiceName\u2120 platform", "the ServiceName platform"),
    ("Amyvid\u00ae and Tegsedi\u00a9 were used", "Amyvid and Tegsedi were used"),
    # ... ordinal indicators written for a degree sign too ...
    ("a fever of 38\u00baC or more", "a fever of 38\u00b0C or more"),
    ("a fever of 38\u00b0C or more", "a fever of 38\u00baC or more"),
    ("the 1\u00aa dose", "the 1 dose"),
    # ... and letterlike symbols, number forms, enclosed numbers and unit squares become words
    ("a temperature of 38\u2103 or higher", "a temperature of 38 \u00b0C or higher"),
    ("a temperature of 38\u00b0C or higher", "a temperature of 38\u2103 or higher"),
    ("type \u2162 collagen", "type III collagen"),
    ("collagen\u2162 was raised", "collagen III was raised"),
    ("for 1\u00bd years", "for 1 1/2 years"),
    ("dose \u2116\u00a05 was given", "dose No. 5 was given"),
    ("given 5\u338e daily", "given 5 mg daily"),
    ("in step\u2460 the cells", "in step 1 the cells"),
    # superscripts and subscripts stay digits of their word
    ("strong LD (r\u00b2>0.80)", "strong LD (r2>0.80)"),
    ("raised CO\u2082 levels", "raised CO2 levels"),
]


@pytest.mark.parametrize(("source", "quote"), ACCEPTED)
def test_quote_is_accepted(source: str, quote: str) -> None:
    text = SourceText(source)
    assert text.contains(quote)
    assert text.match(quote).found


REJECTED = [
    pytest.param("Serum IL-6 levels increased sharply.", "Serum IL-6 levels decreased sharply", id="word-changed"),
    pytest.param("Serum IL-6 levels rose sharply.", "Serum IL-6 levels rose very sharply", id="word-added"),
    pytest.param("Serum IL-6 levels rose sharply.", "Serum IL-6 rose sharply", id="word-dropped"),
    pytest.param("Responses were seen in 9/12 patients.", "Responses were seen in 8/12 patients", id="number"),
    pytest.param(SEVERE, "fatal in all ... It was severe", id="gap-wrong-order"),
    pytest.param("atrophy of the frontotemporal lobes", "atrophy of the frontote", id="truncated-end"),
    pytest.param("NK cells expanded in the marrow", "ells expanded in the marrow", id="partial-start"),
    pytest.param("NK cells expanded in the marrow", "B cells died in the spleen", id="absent"),
    pytest.param("NK cells expanded in the marrow", "[emphasis added]", id="only-insertion"),
    pytest.param("Tegsedi\u2122 is approved", "Tegsedi TM is approved", id="mark-is-no-word"),
    pytest.param("a fever of 38\u2103 or more", "a fever of 38 or more", id="unit-symbol-is-a-word"),
]


@pytest.mark.parametrize(("source", "quote"), REJECTED)
def test_quote_is_rejected(source: str, quote: str) -> None:
    assert not SourceText(source).contains(quote)


def test_near_miss_reports_the_closest_passage_as_written() -> None:
    source = (
        "Background. In treated animals, TGF\u2010\u03b21 signalling was markedly increased "
        "(p<0.01) in all the livers examined. Other organs were spared."
    )
    result = SourceText(source).match("TGF-beta1 signalling was markedly decreased in all the livers")
    assert not result.found
    assert 0.8 < result.similarity < 1.0
    assert result.passage is not None and result.passage in source
    assert "TGF\u2010\u03b21 signalling was markedly increased" in result.passage


def test_closest_passage_of_empty_text() -> None:
    assert closest_passage("", "anything") == (0.0, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TGF-\u03b21 \u201csignalling\u201d\u00a0in \ufb01broblasts", "tgf beta 1 signalling in fibroblasts"),
        ("  Sj\u00f6gren\u2019s   SYNDROME\n", "sjogren s syndrome"),
        ("NF-\u03baB; 5\u2032\u20133\u2032", "nf kappa b 5 3"),
        ("Stra\u00dfe \u2013 \u00f8resund", "strasse oresund"),
        ("\u2014 ... !!", ""),
        ("Tegsedi\u2122, 37\u00baC, 36.4\u2103, collagen\u2162, 5\u338e", "tegsedi 37 c 36 4 c collagen iii 5 mg"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_quote_parts_split_at_gaps_and_insertions() -> None:
    assert quote_parts("The [disease] was severe ... and fatal") == ["the", "was severe", "and fatal"]


@pytest.mark.parametrize("quote", ["", "   \n\t", "...", "\u2014 !! ?", "[...]"])
def test_empty_or_punctuation_quote_is_not_found(quote: str) -> None:
    text = SourceText("Unrelated text about something else.")
    assert not text.contains(quote)
    assert not text.match(quote).found


def test_non_latin_script() -> None:
    text = SourceText("\u60a3\u8005\u51fa\u73b0\u53d1\u70ed\u548c\u76ae\u75b9\u3002")  # 患者出现发热和皮疹。
    assert text.contains("\u51fa\u73b0\u53d1\u70ed")  # 出现发热
    assert not text.contains("\u51fa\u73b0\u54b3\u55fd")  # 出现咳嗽


def test_spaces_the_source_lacks_do_not_make_new_words() -> None:
    source = SourceText("The therapist noted that the drug pro ﬁling was complete.")
    assert source.contains("drug profiling was complete")  # the source split a word: fine
    assert not source.contains("the rapist noted")  # the quote split a word: different words
