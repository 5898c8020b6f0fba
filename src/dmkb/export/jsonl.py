"""JSON Lines: one entry a line (``disorders.jsonl``), as the schema describes it, in stem order;
``disorders.metadata.json`` names the KB revision and the dmkb version."""

from __future__ import annotations

import json

from dmkb.export.source import CompiledKB


def export(kb: CompiledKB) -> dict[str, bytes]:
    """The files of the JSON Lines export, by name."""
    lines = [json.dumps(d.data, ensure_ascii=False, separators=(",", ":")) for d in kb.disorders]
    metadata = {"kb_revision": kb.revision, "dmkb_version": kb.version, "entries": len(lines),
                "order": "by file stem", "stems": [d.stem for d in kb.disorders]}
    return {
        "disorders.jsonl": "".join(line + "\n" for line in lines).encode(),
        "disorders.metadata.json": (json.dumps(metadata, indent=2) + "\n").encode(),
    }
