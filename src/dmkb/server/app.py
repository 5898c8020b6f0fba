"""The web application: the static site's pages and files, rendered live, plus a JSON API.

    /                          the index page (also /index.html)
    /disorders/<stem>.html     a disorder's page; /disorders/<stem>.json is its data, .yaml its entry;
                               /disorders/<stem> leads to its page
    /static/<file>             the site's styles and scripts
    /kb.sqlite                 the compiled knowledge base
    /api/disorders             every disorder: name, MONDO id, categories, counts
    /api/disorders/<stem>      one disorder: its rows, graph, evidence and references
    /api/search?q=<words>      disorders matching every word, best first
    /api/terms?q=<words>       ontology terms (the term index), best first; &prefix=HP &limit=N
    /api/terms/<id>            one ontology term: label, synonyms, obsolete, parents, release
    /diagnose?hpo=…&exclude=…  differential diagnosis: a form, and the ranked diseases explained, a page
                               (&page=N) at a time; also /diagnose.html, where every page's header links
    /api/diagnose?hpo=…        the same ranking as JSON
    /api/jobs, /jobs/<id>      research questions answered in the background (see dmkb.server.jobs)

Errors are answered in the shape of the route: JSON under /api and for .json, a page elsewhere.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from dmkb.errors import DmkbError
from dmkb.links import term_url
from dmkb.research.jobs import JobQueue
from dmkb.server.diagnose import MAX_LIMIT, DiagnoseService, EngineUnavailable, parse_terms
from dmkb.server.jobs import JobLimits, job_routes
from dmkb.server.limits import ANY_HOST, HostPolicy, RequestLimits
from dmkb.server.state import NotBuilt, SiteState
from dmkb.server.terms import TermService
from dmkb.settings import research_origins
from dmkb.site.data import page_url
from dmkb.site.render import render_diagnose, render_error
from dmkb.term_ids import malformed

MAX_QUERY = 200  # characters of a search
MAX_TERMS = 50  # terms a search may ask for
BUILDING_RETRY = 2  # seconds after which a page asked for during the first build reloads itself
MAX_RANKED = 500  # diseases a ranking shows, over all its pages


class NotFound(HTTPException):
    def __init__(self, what: str) -> None:
        super().__init__(404, what)


class BadRequest(HTTPException):
    def __init__(self, what: str) -> None:
        super().__init__(400, what)


def create_app(state: SiteState, hosts: HostPolicy = ANY_HOST, jobs: JobQueue | None = None,
               job_limits: JobLimits | None = None) -> Any:
    """The application serving ``state``, wrapped in the request limits (``hosts``: the ``Host``
    names it answers for); with ``jobs``, it answers research questions too."""
    app = FastAPI(title="dmkb", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.site = state
    terms = TermService()
    _pages(app, state)
    _api(app, state)
    _terms_api(app, terms)
    _diagnose(app, state, DiagnoseService(state.db_path, terms), terms)
    if jobs is not None:
        job_routes(app, state, jobs, job_limits or JobLimits.from_settings())
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(NotBuilt, _not_built)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    origins = research_origins()
    if jobs is not None and origins:  # pages of these sites may ask questions here (a static build elsewhere)
        return RequestLimits(CORSMiddleware(app, allow_origins=origins, allow_methods=["GET", "POST"],
                                            allow_headers=["content-type"], max_age=600), hosts)
    return RequestLimits(app, hosts)


def _pages(app: FastAPI, state: SiteState) -> None:
    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/index.html", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> Response:
        return _html(state.index_page())

    @app.api_route("/disorders/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def disorder(name: str) -> Response:
        stem, dot, kind = name.rpartition(".")
        if dot and kind == "json":
            found = state.disorder(stem)
            if found is None:
                raise NotFound(f"no disorder is named {stem!r}")
            return JSONResponse(found)
        if dot and kind == "yaml":
            source = state.source(stem)
            if source is None:
                raise NotFound(f"no disorder is named {stem!r}")
            return Response(source, media_type="text/yaml; charset=utf-8")
        if not (dot and kind in ("html", "json", "yaml")) and state.revision(name) is not None:
            return RedirectResponse(quote(name, safe="") + ".html", status_code=301)  # relative: under any path
        page = state.page(stem) if dot and kind == "html" else None
        if page is None:
            raise NotFound(f"no page {name!r}")
        return _html(page)

    @app.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def static(path: str) -> Response:
        return FileResponse(safe_file(state.static, path), media_type=_media_type(path))

    @app.api_route("/kb.sqlite", methods=["GET", "HEAD"], include_in_schema=False)
    def database() -> Response:
        state.check_built()
        return FileResponse(state.db_path, media_type="application/vnd.sqlite3", filename="kb.sqlite")


def _api(app: FastAPI, state: SiteState) -> None:
    @app.api_route("/api/disorders", methods=["GET", "HEAD"])
    def disorders() -> JSONResponse:
        """Every disorder: stem, name, MONDO id, categories, synonyms, counts and page URL."""
        return JSONResponse({"disorders": [row.to_json() for row in state.index_rows]})

    @app.api_route("/api/disorders/{stem}", methods=["GET", "HEAD"])
    def one_disorder(stem: str) -> JSONResponse:
        """One disorder with its steps, phenotypes, genes, treatments, graph, evidence and references."""
        found = state.disorder(stem)
        if found is None:
            raise NotFound(f"no disorder is named {stem!r}")
        return JSONResponse(found)

    @app.api_route("/api/search", methods=["GET", "HEAD"])
    def search(q: str = "") -> JSONResponse:
        """Disorders matching every word of ``q`` (prefixes count), best first, at most 20."""
        query = q.strip()
        if not query:
            raise BadRequest("give the words to search for: /api/search?q=…")
        if len(query) > MAX_QUERY:
            raise BadRequest(f"the search is longer than {MAX_QUERY} characters")
        return JSONResponse({"query": query, "results": state.search(query)})


class TermsUnavailable(HTTPException):
    def __init__(self) -> None:
        super().__init__(503, "the term index is not built: run dmkb terms build")


def _terms_api(app: FastAPI, terms: TermService) -> None:
    @app.api_route("/api/terms", methods=["GET", "HEAD"])
    def term_search(q: str = "", prefix: str | None = None, limit: int = 10) -> JSONResponse:
        """Ontology terms whose label or synonym matches ``q``, best first (the term index)."""
        query = q.strip()
        if not query:
            raise BadRequest("give the words to search for: /api/terms?q=…")
        if len(query) > MAX_QUERY:
            raise BadRequest(f"the search is longer than {MAX_QUERY} characters")
        if not 1 <= limit <= MAX_TERMS:
            raise BadRequest(f"limit must be between 1 and {MAX_TERMS}")
        built = terms.prefixes()
        if built is None:
            raise TermsUnavailable()
        if prefix and prefix.lower() not in {p.lower() for p in built}:
            raise BadRequest(f"no source of the term index holds {prefix} terms; prefixes: {' '.join(sorted(built))}")
        results = terms.search(query, prefix or None, limit)
        if results is None:
            raise TermsUnavailable()
        return JSONResponse({"query": query, "results": results})

    @app.api_route("/api/terms/{curie}", methods=["GET", "HEAD"])
    def term(curie: str) -> JSONResponse:
        """One term: label, synonyms, obsolete and replacement, parents, source release."""
        if len(curie) > MAX_QUERY or malformed(curie):
            raise BadRequest(malformed(curie[:MAX_QUERY]) or "that is not an ontology id")
        found = terms.lookup(curie)
        if found is None:
            raise TermsUnavailable()
        if found.get("unknown"):
            raise NotFound(f"{curie}: {found['message']}")
        return JSONResponse(found)


def _diagnose(app: FastAPI, state: SiteState, service: DiagnoseService, terms: TermService) -> None:
    def query(request: Request) -> tuple[list[str], list[str], int]:
        params = request.query_params
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            raise BadRequest("limit must be a whole number") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        return parse_terms(params.getlist("hpo")), parse_terms(params.getlist("exclude")), limit

    @app.api_route("/diagnose", methods=["GET", "HEAD"], include_in_schema=False)
    @app.api_route("/diagnose.html", methods=["GET", "HEAD"], include_in_schema=False)
    def diagnose_page(request: Request) -> Response:
        observed, excluded, per_page = query(request)
        page = _page_number(request)
        if per_page * page > MAX_RANKED:
            raise BadRequest(f"only the {MAX_RANKED} best-ranked diseases are shown, page by page")
        context = {"observed_text": ", ".join(observed), "excluded_text": ", ".join(excluded),
                   "result": None, "error": None, "kb_pages": _kb_pages(state), "public_pages": {},
                   "terms_ready": terms.available(), "first": 1, "pages": {}}
        status = 200
        if observed or excluded:
            try:
                result = service.diagnose(observed, excluded, per_page * page)
            except DmkbError as exc:
                context["error"] = exc.message + (f" ({exc.hint})" if exc.hint else "")
                status = 503 if isinstance(exc, EngineUnavailable) else 400
            else:
                shown = result["results"][per_page * (page - 1):]
                context["result"] = {**result, "results": shown}
                context["public_pages"] = {r["id"]: term_url(r["id"]) for r in shown}
                context["first"] = per_page * (page - 1) + 1
                context["pages"] = _pages_around(request, page, per_page, len(shown))
        return Response(render_diagnose(context), status_code=status, media_type="text/html; charset=utf-8")

    @app.api_route("/api/diagnose", methods=["GET", "HEAD"])
    def diagnose_api(request: Request) -> JSONResponse:
        """Every disease ranked for the phenotypes ``hpo`` (and, against, ``exclude``), explained."""
        observed, excluded, limit = query(request)
        try:
            return JSONResponse(service.diagnose(observed, excluded, limit))
        except EngineUnavailable as exc:
            raise HTTPException(503, exc.message) from None
        except DmkbError as exc:
            raise BadRequest(exc.message) from None


def _page_number(request: Request) -> int:
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        raise BadRequest("page must be a whole number") from None
    if page < 1:
        raise BadRequest("page must be 1 or more")
    return page


def _pages_around(request: Request, page: int, per_page: int, shown: int) -> dict[str, tuple[str, str]]:
    """Links to the previous and the next page of a ranking: ``{"previous": (url, "results 1–20"), …}``."""
    def link(number: int) -> tuple[str, str]:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"] + [("page", str(number))]
        first = per_page * (number - 1) + 1
        # the link opens at the ranking, not at the form above it
        return f"{request.url.path}?{urlencode(params)}#ranking", f"results {first}–{first + per_page - 1}"

    links = {"previous": link(page - 1)} if page > 1 else {}
    if shown == per_page and per_page * (page + 1) <= MAX_RANKED:
        links["next"] = link(page + 1)
    return links


def _kb_pages(state: SiteState) -> dict[str, str]:
    """The KB's disorders by MONDO id -> their pages, to link candidates that have one (none while the
    site is being built: the ranking does not need the site)."""
    if not state.ready:
        return {}
    return {row.mondo_id: page_url(row.stem) for row in state.index_rows if row.mondo_id}


def safe_file(root: Path, relative: str) -> Path:
    """``root/relative`` when that is an existing file inside ``root``.

    :raises BadRequest: for absolute paths, ``..``, hidden names and control characters.
    :raises NotFound: when there is no such file (also when a link points outside ``root``).
    """
    parts = relative.split("/")
    if relative.startswith("/") or any(p in ("", ".", "..") or p.startswith(".") for p in parts) \
            or any(ord(ch) < 32 or ch == "\\" for ch in relative):
        raise BadRequest("the path is not allowed")
    base = root.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise NotFound(f"no file {relative!r}")
    return path


def _media_type(path: str) -> str:
    if path.endswith(".js"):
        return "text/javascript; charset=utf-8"
    if path.endswith(".css"):
        return "text/css; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def _html(page: bytes) -> Response:
    return Response(page, media_type="text/html; charset=utf-8")


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith(".json")


def _error(request: Request, status: int, message: str, *, retry_after: int | None = None) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after else None
    if request.url.path.startswith("/api/jobs"):  # upstream's research service answers errors so
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)
    return Response(render_error(status, message, refresh=retry_after), status_code=status, headers=headers,
                    media_type="text/html; charset=utf-8")


async def _not_built(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotBuilt)
    return _error(request, 503, f"{exc.message}: {exc.hint}", retry_after=BUILDING_RETRY)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "bad request"
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing is at {request.url.path}"
    if exc.status_code == 405:
        message = _methods_served(request.url.path)
    return _error(request, exc.status_code, message)


def _methods_served(path: str) -> str:
    """What a request with a method the address does not serve is told."""
    asking = ("a question is asked with POST /api/jobs; its progress is read with GET /api/jobs/<id>/status, "
              "its answer with GET /api/jobs/<id>/report")
    if path.rstrip("/") == "/api/jobs":
        return asking
    if path.startswith("/api/jobs/") and path.endswith("/cancel"):
        return f"a job is cancelled with POST {path}"
    if path.startswith("/api/jobs/"):
        return "only GET and HEAD are served here; " + asking
    return "only GET and HEAD are served"


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    named = [f"{error['loc'][-1]} ({error['msg'].lower()})" for error in exc.errors() if error.get("loc")]
    return _error(request, 400, "the request's parameters are not valid" + (f": {', '.join(named)}" if named else ""))


async def _internal_error(request: Request, exc: Exception) -> Response:
    return _error(request, 500, "the server failed on this request; the error was logged")
