"""Run the kgx package's own validator on KGX files, offline. Run with the python of the kgx tool
environment (``make kgx``), never the project's: kgx pins old numpy and pyarrow.

    .tools/kgx/bin/python tests/tools/kgx_validate.py FORMAT REPORT METADATA FILE...

kgx fetches the Biolink model, a predicate map and JSON-LD contexts over the network when it is
imported; here it is pointed at the copies inside the ``biolink-model`` and ``prefixcommons``
packages installed beside it. The one prefix an export declares for the KB's own nodes
(``curie_map`` of its METADATA file, ``kgx_metadata.json``) is added to the Biolink context; any
other prefix the context lacks is still an error. Writes the validator's findings to REPORT as JSON (``{}`` when
nothing is wrong) and exits 1 when they hold an error.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # biolink_model is a namespace package: no __init__
    return Path(next(iter(spec.submodule_search_locations)))


def _offline(extra_prefixes: dict[str, str]) -> None:
    from bmt import toolkit

    schema = _package_dir("biolink_model") / "schema" / "biolink_model.yaml"
    defaults = list(toolkit.Toolkit.__init__.__defaults__)
    defaults[:2] = [str(schema), {"predicate mappings": []}]
    toolkit.Toolkit.__init__.__defaults__ = tuple(defaults)

    import kgx.config

    registry = _package_dir("prefixcommons") / "registry"
    biolink_map = _package_dir("biolink_model") / "prefixmaps" / "biolink-model-prefix-map.json"
    config = kgx.config.get_config()
    context = json.loads(biolink_map.read_text())
    kgx.config.jsonld_context_map["biolink"] = {**context, **extra_prefixes}
    config["jsonld-context"] = {
        "monarch_context": str(registry / "monarch_context.jsonld"),
        "obo_context": str(registry / "obo_context.jsonld"),
    }


def main() -> int:
    fmt, report, metadata, *files = sys.argv[1:]
    _offline(json.loads(Path(metadata).read_text())["curie_map"])
    from kgx.cli.cli_utils import validate

    errors = validate(files, fmt, None, os.devnull)
    Path(report).write_text(json.dumps(errors, indent=1, default=str))
    return 1 if errors.get("ERROR") else 0


if __name__ == "__main__":
    sys.exit(main())
