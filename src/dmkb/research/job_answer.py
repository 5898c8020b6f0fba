"""A research job answered by ``dmkb ask``'s engine: the literature index of the served KB and its
compiled ``kb.sqlite``. The answer is kept as ``dmkb ask --save`` writes it (a stored report), and
read back as stored reports are, so that pages show both alike."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from dmkb.compile.research import report_json
from dmkb.references.cache import ReferenceCache
from dmkb.research.ask import Library, ask, open_library
from dmkb.research.jobs import Answered, Job, Progress, Runner
from dmkb.research.query import analyse
from dmkb.research.render import render_saved
from dmkb.research.retrieve import confirm_inferred
from dmkb.research.writer import Writer

STEPS = 3  # opening the literature, answering, writing the report


def content_json(markdown: str, references: ReferenceCache) -> dict[str, Any]:
    """A stored report's text as :class:`dmkb.site.data.StoredReport` fields, its sources that the
    KB's reference cache holds marked."""
    return report_json(markdown, references.locate)


def disorder_of_job(library: Library, question: str, page: str) -> str | None:
    """The disorder a question asked on the page of ``page`` (a stem) is about: that one, unless the
    question names another KB disorder and not it, or names none and its genes and drugs steer it to
    other entries alone (then None: the question decides, as ``dmkb ask`` without ``--disorder``)."""
    own = [d for d in library.kb if d.stem == page]
    if own and analyse(question, None, own, None).disorder is not None:  # it names the page's disorder
        return page
    query = confirm_inferred(library.index, analyse(question, None, library.kb, library.terms))
    if query.disorder is not None:
        return None if query.disorder.stem not in (None, page) else page
    inferred = {i.disorder.stem for i in query.inferred}
    return None if inferred and page not in inferred else page


def make_runner(root: Path, kb_db: Path) -> Runner:
    """Answer jobs from the KB at ``root`` as compiled into ``kb_db``."""
    opening = threading.Lock()  # one worker at a time brings the literature index up to date

    def run(job: Job, progress: Progress) -> Answered:
        progress(1)
        with opening:
            library = open_library(root, kb_db=kb_db)
        try:
            progress(2)
            started = datetime.now().astimezone()
            disorder = disorder_of_job(library, job.question, job.disease_slug)
            answer = ask(library, job.question, disorder=disorder, question_id=job.id, writer=Writer.from_settings())
            ended = datetime.now().astimezone()
            progress(3)
            markdown = render_saved(answer, started, ended)
            return Answered(markdown, content_json(markdown, library.references), answer.to_json())
        finally:
            library.close()

    return run

