"""Compile a knowledge base into one SQLite file, ``kb.sqlite``, incrementally by content hash.

- :mod:`dmkb.compile.extract` turns one loaded entry into rows (pure).
- :mod:`dmkb.compile.verify` gives each evidence item its verification status.
- :mod:`dmkb.compile.store` writes the SQLite file (schema in :mod:`dmkb.compile.schema`).
- :mod:`dmkb.compile.incremental` decides what changed and runs the rest (:func:`compile_kb`).
- :mod:`dmkb.compile.read` opens it for readers, who import nothing else of the compiler
  (so that reading ``kb.sqlite`` never loads the KB's YAML).
"""
