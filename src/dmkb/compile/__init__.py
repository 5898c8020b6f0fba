"""Compile a knowledge base into one SQLite file, ``kb.sqlite``, incrementally by content hash.

- :mod:`dmkb.compile.extract` turns one loaded entry into rows (pure).
- :mod:`dmkb.compile.verify` gives each evidence item its verification status.
- :mod:`dmkb.compile.store` reads and writes the SQLite file (schema in :mod:`dmkb.compile.schema`).
- :mod:`dmkb.compile.incremental` decides what changed and runs the rest.
"""

from dmkb.compile.incremental import CompileReport, compile_kb

__all__ = ["CompileReport", "compile_kb"]
