"""Write the static site of the KB compiled into ``DIR/kb.sqlite`` (:mod:`dmkb.pipeline.build` compiles
it first): ``DIR/index.html``, ``DIR/disorders/<stem>.html`` (with the entry's YAML beside it,
``<stem>.yaml``), ``DIR/diagnose.html`` (a note: the differential diagnosis needs the server),
``DIR/static/`` and the similar conditions the pages show, ``DIR/similar.sqlite``.

Incremental: a page is rendered again only when its entry, the cached texts its entry cites,
the KB's list of disorders (pages link to one another) or the site's code changed; a file is
written only when its bytes differ. ``DIR/.dmkb-site.json`` records what was built and marks the
folder as dmkb's; ``DIR/.dmkb-site.lock`` keeps a second build waiting until the first is done.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dmkb.compile.read import connect_readonly
from dmkb.errors import UsageError
from dmkb.fs import TEMPORARY, remove_leftovers, write_atomic
from dmkb.site.data import checks_signatures, research_signatures
from dmkb.site.pages import render_pages
from dmkb.site.render import STATIC, Renderer, render_diagnose_notice, renderer_signature
from dmkb.site.similar import refresh_similar

if TYPE_CHECKING:  # the report of the compile step that comes first (names only)
    from dmkb.compile.incremental import CompileReport

MANIFEST = ".dmkb-site.json"  # also the mark of a folder dmkb builds into
LOCK = ".dmkb-site.lock"
DB_NAME = "kb.sqlite"
PAGES = "disorders"


@dataclass
class SiteReport:
    """What one build did."""

    out: Path
    compile: CompileReport
    pages: int = 0  # disorder pages in the site
    rendered: list[str] = field(default_factory=list)  # stems whose page was rendered again
    written: list[str] = field(default_factory=list)  # files (relative to out) whose bytes changed
    removed: list[str] = field(default_factory=list)  # pages of entries no longer in the KB
    failed: list[tuple[str, str]] = field(default_factory=list)  # (stem, error): pages dmkb failed to render
    render_seconds: float = 0.0
    similar_problem: str | None = None  # why similar conditions could not be computed

    @property
    def index(self) -> Path:
        return self.out / "index.html"


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def claim_output(out: Path) -> None:
    """Mark ``out`` as a site folder of dmkb's and clear what builds killed mid-way left in it. Call it
    holding the folder's lock (:data:`LOCK`, see :func:`dmkb.fs.exclusive`), after :func:`check_output`."""
    if not (out / MANIFEST).exists():
        _write_manifest(out, {"format": 1})  # ours from now on, even if this build is killed
    remove_leftovers(out, (TEMPORARY, f"{DB_NAME}.tmp*"))


def write_site(out: Path, compiled: CompileReport, on_progress: Progress | None = None) -> SiteReport:
    """Write the site of ``out/kb.sqlite`` into ``out``: only the pages whose inputs changed, only the
    files whose bytes changed. Call it holding the folder's lock; ``compiled`` says what the compile
    step before it did."""
    report = SiteReport(out, compiled)
    similar, report.similar_problem = refresh_similar(
        out, out / DB_NAME,
        on_progress=(lambda n, total: on_progress("finding similar conditions", n, total)) if on_progress else None)
    manifest = _read_manifest(out)
    with contextlib.closing(connect_readonly(out / DB_NAME)) as conn:
        renderer = Renderer(conn, similar)
        hashes = _page_hashes(conn, renderer)
        _write_pages(renderer, hashes, manifest, report, on_progress)
        index_hash = _hash(renderer_signature(), json.dumps([r.to_json() for r in renderer.index_rows]),
                           json.dumps(renderer.problems))
        if manifest.get("index") != index_hash or not report.index.exists():
            _write(out, "index.html", renderer.index(), report)
    _write(out, "diagnose.html", render_diagnose_notice(), report)  # the server has the page itself
    _copy_static(out, report)
    _write_manifest(out, {"format": 1, "index": index_hash, "pages": hashes})
    return report


def check_output(out: Path) -> None:
    """Refuse to write into a folder that holds anything but an earlier build (known by its
    manifest, written first of all; a file named ``kb.sqlite`` may be anyone's)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder", "give a new or empty folder for the site")
    if out.is_dir() and not _read_manifest(out) and any(not _building(p.name) for p in out.iterdir()):
        raise UsageError(
            f"{out}: the folder is not empty and holds no earlier dmkb site; nothing was written",
            "give a new or empty folder, or the folder of an earlier dmkb build",
        )


def _building(name: str) -> bool:
    """Whether a file of that name is one a build of ours writes before its manifest (its lock, the
    manifest's temporary file): another build may be claiming the folder right now."""
    return name == LOCK or (name.startswith(f".{MANIFEST}.") and name.endswith(".tmp"))


def _page_hashes(conn: Any, renderer: Renderer) -> dict[str, str]:
    """What each page depends on, hashed: its entry, the texts it cites, its similar conditions, its
    stored research reports, what comparing it with other entries found, the KB's disorders, the code
    (and what findings depend on, see dmkb.compile.findings) and the research server it sends questions to."""
    code = conn.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()[0]
    kb = _hash(json.dumps(sorted(renderer.links.items())))
    shared = _hash(code, renderer_signature(), kb, json.dumps(renderer.problems), renderer.research_server)
    research = research_signatures(conn)
    across = checks_signatures(conn)
    rows = conn.execute("SELECT stem, digest, depends FROM disorders ORDER BY stem")
    return {stem: _hash(shared, digest, depends, renderer.similar.get(stem, ""), research.get(stem, ""),
                        across.get(stem, "")) for stem, digest, depends in rows}


def _write_pages(renderer: Renderer, hashes: dict[str, str], manifest: dict[str, Any], report: SiteReport,
                 on_progress: Progress | None) -> None:
    before = manifest.get("pages", {})
    started = time.perf_counter()
    stale = [stem for stem, page_hash in hashes.items()
             if before.get(stem) != page_hash or not (report.out / PAGES / f"{stem}.html").exists()
             or not (report.out / PAGES / f"{stem}.yaml").exists()]
    for done, (stem, page, error) in enumerate(render_pages(renderer, stale), 1):
        if page is not None:
            report.rendered.append(stem)
            _write(report.out, f"{PAGES}/{stem}.html", page.html, report)
            _write(report.out, f"{PAGES}/{stem}.yaml", page.source, report)
        else:
            report.failed.append((stem, error or "no such disorder"))
            hashes[stem] = ""  # tried again next time
        if on_progress:
            on_progress("rendering", done, len(stale))
    report.render_seconds = time.perf_counter() - started
    report.pages = len(hashes)
    for stem in sorted(set(before) - set(hashes)):
        path = report.out / PAGES / f"{stem}.html"
        if path.is_file():
            path.unlink()
            report.removed.append(stem)
        (report.out / PAGES / f"{stem}.yaml").unlink(missing_ok=True)


def _copy_static(out: Path, report: SiteReport) -> None:
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            _write(out, f"static/{path.relative_to(STATIC).as_posix()}", path.read_bytes(), report)


def _write(out: Path, name: str, content: str | bytes, report: SiteReport) -> None:
    """Write ``out/name`` unless it already holds exactly these bytes."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = out / name
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data, mode=0o644)  # a website: readable by the web server
    report.written.append(name)


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and manifest.get("format") == 1 else {}


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True)
    path = out / MANIFEST
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            return
    write_atomic(path, text)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()

