"""The research-question service of ``dmkb serve``, in the shape of upstream's deep-research service
(so that one of its pages pointed at this server works too):

    POST /api/jobs                 {"disease_slug", "disease_name", "mondo_id", "question"} -> {"job_id", "view_url"}
                                   (202; 200 with "reused": true when an earlier job answers it); 409
                                   {"existing_job_id"} while another question about the disorder is answered
    GET  /api/jobs/{id}/status     {"status", "current_iteration", "max_iterations", "error_message"}
    GET  /api/jobs/{id}/report     the report as markdown; ?format=json (dmkb ask's answer) or html (rendered)
    POST /api/jobs/{id}/cancel     {"job_id", "status"}
    GET  /jobs/{id}                the job's page (view_url): its progress, then its report

Errors are ``{"error": "…"}``: 400 for a bad request, 404 for an unknown disorder or job, 409, 429 when
the client has too many questions waiting, 503 while the site is being built or the queue is full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from dmkb.research.jobs import FINAL, JobQueue, JobRefused
from dmkb.server.state import NotBuilt, SiteState
from dmkb.settings import setting_number
from dmkb.site.data import page_url
from dmkb.site.render import render_job_page, render_report_fragment

MAX_QUESTION = 1_000  # characters, as upstream's service allows
_FIELDS = ("disease_slug", "disease_name", "mondo_id", "question")


@dataclass(frozen=True)
class JobLimits:
    per_client: int = 3
    reuse_seconds: float = 24 * 3600

    @classmethod
    def from_settings(cls) -> JobLimits:
        return cls(int(setting_number("DMKB_RESEARCH_CLIENT_JOBS", 3, least=1)),
                   setting_number("DMKB_RESEARCH_REUSE_HOURS", 24) * 3600)


def _error(status: int, message: str, **more: Any) -> JSONResponse:
    return JSONResponse({"error": message, **more}, status_code=status)


def job_routes(app: FastAPI, state: SiteState, jobs: JobQueue, limits: JobLimits) -> None:
    """Add the service's routes to ``app``."""

    @app.post("/api/jobs")
    async def create(request: Request) -> Response:
        """Ask a research question about a disorder of the KB; answered in the background."""
        try:
            data = json.loads(await request.body() or b"null")
        except ValueError:
            return _error(400, "the request body is not JSON")
        try:
            asked = _question(data)
        except ValueError as exc:
            return _error(400, str(exc))
        try:
            revision = await run_in_threadpool(state.revision, asked["disease_slug"])
        except NotBuilt as exc:
            return _error(503, f"{exc.message}: {exc.hint}")
        if revision is None:
            return _error(404, f"no disorder of this knowledge base is named {asked['disease_slug']!r}")
        client = request.client.host if request.client else "unknown"
        name = asked["disease_name"] or next((r.name for r in state.index_rows if r.stem == asked["disease_slug"]), None)
        try:
            submitted = await run_in_threadpool(
                lambda: jobs.submit(slug=asked["disease_slug"], name=name,
                                    mondo_id=asked["mondo_id"] or None, question=asked["question"],
                                    revision=revision, client=client, per_client=limits.per_client,
                                    reuse_seconds=limits.reuse_seconds))
        except JobRefused as exc:
            message = exc.message + (f": {exc.hint}" if exc.hint else "")
            extra = {"existing_job_id": exc.existing} if exc.existing else {}
            headers = {"retry-after": "5"} if exc.status in (429, 503) else None
            return JSONResponse({"error": message, **extra}, status_code=exc.status, headers=headers)
        body = {"job_id": submitted.job_id, "view_url": f"/jobs/{submitted.job_id}", "status": submitted.status}
        if submitted.reused:
            body["reused"] = True
        return JSONResponse(body, status_code=200 if submitted.reused else 202)

    @app.api_route("/api/jobs/{job_id}/status", methods=["GET", "HEAD"])
    def status(job_id: str) -> Response:
        """A job's progress: queued, running (step N of M), completed, failed or cancelled."""
        job = jobs.store.get(job_id)
        return JSONResponse(job.status_json()) if job else _error(404, f"no job {job_id!r}")

    @app.api_route("/api/jobs/{job_id}/report", methods=["GET", "HEAD"])
    def report(job_id: str, format: str = "markdown") -> Response:  # noqa: A002 - upstream's parameter
        """The answer: markdown (a stored report), ``json`` (dmkb ask's answer) or ``html`` (rendered)."""
        if format not in ("markdown", "json", "html"):
            return _error(400, "format is markdown, json or html")
        job = jobs.store.get(job_id)
        if job is None:
            return _error(404, f"no job {job_id!r}")
        if job.status != "completed" or job.report is None:
            return _error(409, f"the job is {job.status}: it has no report"
                          + (f" ({job.error_message})" if job.error_message else ""))
        if format == "json":
            return JSONResponse(job.answer)
        if format == "html":
            return Response(render_report_fragment(job.content or {}), media_type="text/html; charset=utf-8")
        return Response(job.report, media_type="text/markdown; charset=utf-8")

    @app.post("/api/jobs/{job_id}/cancel")
    async def cancel(job_id: str) -> Response:
        """Cancel a job that is waiting or running."""
        result = await run_in_threadpool(jobs.store.cancel, job_id)
        return JSONResponse({"job_id": job_id, "status": result}) if result else _error(404, f"no job {job_id!r}")

    @app.api_route("/jobs/{job_id}", methods=["GET", "HEAD"], include_in_schema=False)
    def job_page(job_id: str) -> Response:
        job = jobs.store.get(job_id)
        if job is None:
            return Response(render_job_page(None, None), status_code=404, media_type="text/html; charset=utf-8")
        link = page_url(job.disease_slug)
        return Response(render_job_page(job, link, finished=job.status in FINAL),
                        media_type="text/html; charset=utf-8")


def _question(data: Any) -> dict[str, str]:
    """The fields of a question. :raises ValueError: saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError('send a JSON object: {"disease_slug", "disease_name", "mondo_id", "question"}')
    asked = {}
    for name in _FIELDS:
        value = data.get(name) or ""
        if not isinstance(value, str):
            raise ValueError(f"{name} must be text")
        asked[name] = value.strip()
    if not asked["disease_slug"]:
        raise ValueError("disease_slug is missing: the disorder's page name (its file stem)")
    if not asked["question"]:
        raise ValueError("the question is empty")
    if len(asked["question"]) > MAX_QUESTION:
        raise ValueError(f"the question is {len(asked['question']):,} characters long; at most {MAX_QUESTION:,}")
    return asked
