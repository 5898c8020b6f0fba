"""Shared by the site, server and browser tests: the real server in a thread, and an entry
that tries to put markup and script into its page."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from dmkb.server.limits import HostPolicy
from dmkb.server.run import host_of, listen, make_server
from dmkb.server.state import SiteState


@contextlib.contextmanager
def serve_in_thread(out: Path, **options: float) -> Iterator[tuple[int, SiteState]]:
    """The site in ``out``, served by the real server on a free port of 127.0.0.1 (``options`` go to
    :func:`make_server`)."""
    state = SiteState(out)
    sock = listen("127.0.0.1", 0)
    server = make_server(state, HostPolicy.bound_to(host_of(sock)), **options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield sock.getsockname()[1], state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# every kind of text field an entry has, each trying to become markup, script or a link
EVIL = """\
name: <script>alert("name")</script> Disease
description: 'Looks fine <img src=x onerror=alert(1)> and </p><script>alert(2)</script>'
category: '"><script>alert(3)</script>'
synonyms:
- <b onmouseover=alert(4)>bold</b>
parents:
- <iframe src=javascript:alert(5)>
disease_term:
  preferred_term: <svg onload=alert(6)>
  term:
    id: MONDO:<svg/onload=alert(7)>
    label: x" onerror="alert(8)
pathophysiology:
- name: </script><script>alert(9)</script>
  description: <a href="javascript:alert(10)">click</a>
  cell_types:
  - preferred_term: <img src=x onerror=alert(11)>
    term:
      id: 'CL:0000623" onmouseover="alert(12)'
      label: cell
  downstream:
  - target: <img src=x onerror=alert(13)>
  evidence:
  - reference: javascript:alert(14)
    reference_title: <script>alert(15)</script>
    supports: <script>alert(16)</script>
    evidence_source: HUMAN_CLINICAL
    snippet: '</script><script>alert(17)</script> onerror=alert(18)'
    explanation: <style>body{display:none}</style>
  - reference: 'PMID:1"><script>alert(19)</script>'
    snippet: x
phenotypes:
- name: <img src=x onerror=alert(13)>
  frequency: <script>alert(20)</script>
  phenotype_term:
    preferred_term: p
    term:
      id: HP:0001945
      label: Fever
treatments:
- name: '{{ 7*7 }} <script>alert(21)</script>'
  target_mechanisms:
  - target: </script><script>alert(9)</script>
    treatment_effect: INHIBITS
differential_diagnoses:
- name: <script>alert(22)</script>
  distinguishing_features:
  - <script>alert(23)</script>
"""
