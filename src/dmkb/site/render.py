"""Format page contexts as HTML with the Jinja templates. One environment, built once, with
autoescaping on: every value from the KB is escaped wherever a template puts it."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dmkb import __version__
from dmkb.report_citations import ReferenceEntry, ReportContent
from dmkb.settings import research_server
from dmkb.site.cards import fold
from dmkb.site.data import IndexRow, StoredReport, load_disorder, load_index, load_problems
from dmkb.site.index import build_index_page
from dmkb.site.page import build_disorder_page
from dmkb.site.policy import CONTENT_SECURITY_POLICY, content_security_policy
from dmkb.site.research import Anchors, render_report
from dmkb.site.search import SearchIndex, load_entries

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.globals["csp"] = CONTENT_SECURITY_POLICY
    return env


@functools.cache
def renderer_signature() -> str:
    """Changes whenever what pages look like can change: the site's code, templates and assets."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "node_modules" not in path.parts:
            digest.update(path.relative_to(HERE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def kb_links(rows: list[IndexRow]) -> dict[str, str]:
    """Folded names, synonyms and MONDO ids of the KB's disorders -> their stems."""
    links: dict[str, str] = {}
    for row in rows:
        for key in (row.mondo_id, row.name, *row.synonyms):
            if key:
                links.setdefault(fold(key), row.stem)
    return links


class Renderer:
    """Renders the pages of one compiled KB. The static build and the server both use it.

    :param similar: the similar conditions of each disorder, as JSON text (see :mod:`dmkb.site.similar`).
    """

    def __init__(self, conn: sqlite3.Connection, similar: dict[str, str] | None = None) -> None:
        self.conn = conn
        self.similar = similar or {}
        self.index_rows = load_index(conn)
        self.links = kb_links(self.index_rows)
        self.problems = load_problems(conn)
        self.research_server = research_server()
        self.page_csp = content_security_policy(self.research_server)  # checks the address first

    @functools.cached_property
    def search(self) -> SearchIndex:
        """The words of every disorder, for the index page and the server's search (read when first needed)."""
        return SearchIndex(load_entries(self.conn))

    def source(self, stem: str) -> str | None:
        """The YAML of the disorder ``stem`` as compiled (``None`` when there is none)."""
        row = self.conn.execute("SELECT source FROM disorders WHERE stem = ?", (stem,)).fetchone()
        return row[0] if row else None

    def disorder(self, stem: str) -> str | None:
        """The page of the disorder ``stem`` (``None`` when there is none), as at ``disorders/<stem>.html``."""
        record = load_disorder(self.conn, stem, self.similar.get(stem))
        if record is None:
            return None
        page = build_disorder_page(record, self.links, self.research_server)
        return environment().get_template("disorder.html").render(page=page, root="../", csp=self.page_csp)

    def index(self) -> str:
        """The index page, as at ``index.html``."""
        page = build_index_page(self.index_rows, self.problems, self.search.entries)
        return environment().get_template("index.html").render(page=page, root="")


def render_diagnose(context: dict, root: str = "/") -> str:
    """The server's differential diagnosis page (see :mod:`dmkb.server.diagnose`)."""
    return environment().get_template("diagnose.html").render(**context, root=root)


def render_diagnose_notice(root: str = "") -> str:
    """The static site's ``diagnose.html``: the differential diagnosis needs the server."""
    return environment().get_template("diagnose_static.html").render(root=root)


def render_error(status: int, message: str, root: str = "/", refresh: int | None = None) -> str:
    """A plain error page (the server's 404s and 400s); ``refresh``: seconds after which it reloads itself."""
    return environment().get_template("error.html").render(status=status, message=message, root=root,
                                                           refresh=refresh)


def render_report_html(report: StoredReport, anchor: str = "report") -> str:
    """One report as HTML, as a disorder page shows it (alone: its ids are its own)."""
    view = render_report(report, Anchors(), {}, anchor=anchor)
    return environment().get_template("_research_report.html").render(report=view)


def render_report_fragment(content: dict) -> str:
    """A research job's answer (see :func:`dmkb.research.job_answer.content_json`) as the HTML of a
    report, by the renderer of stored reports."""
    return render_report_html(_stored(content), anchor="answer")


def render_job_page(job, disorder_url: str | None, *, finished: bool = True) -> str:
    """A research job's page: what was asked, its progress, then its report (it reloads itself until done)."""
    report = render_report(_stored(job.content), Anchors(), {}, anchor="answer") if job and job.content else None
    return environment().get_template("job.html").render(job=job, report=report, disorder_url=disorder_url,
                                                         refresh=None if finished else 2, root="/")


def _stored(content: dict) -> StoredReport:
    entries = [ReferenceEntry.from_json(e) for e in content.get("entries", []) if isinstance(e, dict)]
    return StoredReport(None, content.get("provider"), content.get("model"), content.get("date"),
                        content.get("duration_seconds"), content.get("question") or "",
                        ReportContent(content.get("body") or "", entries))
