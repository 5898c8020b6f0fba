"""The research room's place among the others: it reads the compiled KB and its own index (never
dmkb.load or dmkb.site), and takes reader-facing links from the one link layer, dmkb.links
(through dmkb.references.ids.reference_url for a reference id as cited)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dmkb
from dmkb.links import term_url
from dmkb.references.ids import reference_url
from dmkb.research.index import Document
from dmkb.research.report import reference_entry

PACKAGE = Path(dmkb.__file__).parent
RESEARCH = [*sorted((PACKAGE / "research").glob("*.py")), PACKAGE / "cli_research.py"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", RESEARCH, ids=lambda p: p.name)
def test_the_research_room_imports_neither_load_nor_site(path: Path) -> None:
    wrong = {m for m in _imports(path) if m.split(".")[:2] in (["dmkb", "load"], ["dmkb", "site"])}
    assert not wrong, f"{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize(("reference", "url"), [
    ("PMID:29263371", "https://pubmed.ncbi.nlm.nih.gov/29263371/"),
    ("DOI:10.1038/s41467-018-03987-2", "https://doi.org/10.1038/s41467-018-03987-2"),
    ("PMC:PMC6015213", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6015213/"),
    ("clinicaltrials:NCT01234567", "https://clinicaltrials.gov/study/NCT01234567"),
    ("pmid:42", "https://pubmed.ncbi.nlm.nih.gov/42/"),  # a spelling slip still links
    ("PMID:javascript:alert(1)", None),
    ("DOI:10.1000/a b\"><script>", None),
])
def test_references_link_to_the_pages_readers_use(reference: str, url: str | None) -> None:
    assert reference_url(reference) == url


def test_terms_link_to_their_uris() -> None:
    assert term_url("HP:0001945") == "https://purl.obolibrary.org/obo/HP_0001945"
    assert term_url("OMIM:154700") == "https://omim.org/entry/154700"  # its URI opens no page
    assert term_url("ORPHA:558") == "https://www.orpha.net/en/disease/detail/558"
    assert term_url("HP:javascript:alert(1)") is None


def test_a_research_report_links_its_references_through_the_link_layer() -> None:
    document = Document(1, "PMID:29263371", "A title", ("Tang YT",), "Blood Cancer J", "2017",
                        "10.1038/s41408-017-0021-z", "29263371", "abstract_only")
    assert reference_entry(document, "tang2017").url == "https://pubmed.ncbi.nlm.nih.gov/29263371/"
