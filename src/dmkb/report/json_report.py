"""The JSON report: ``{"summary": {...}, "findings": [{check, severity, file, line, path, message, hint?}]}``."""

from __future__ import annotations

import json

from dmkb.validate import ValidationReport


def render_json(report: ValidationReport) -> str:
    payload = {
        "summary": report.summary(),
        "findings": [finding.to_json() for finding in report.findings],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
