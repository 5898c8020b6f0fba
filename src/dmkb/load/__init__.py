"""Reading files: the one place that knows the formats on disk.

- :mod:`dmkb.load.yaml_reader` turns YAML text into plain values plus the line of every value.
- :mod:`dmkb.load.layout` finds the parts of a knowledge base in the dismech layout.
- :mod:`dmkb.load.reference_files` reads cached reference texts (front matter + Markdown).
- :mod:`dmkb.load.term_caches` reads ``cache/<prefix>/terms.csv`` and ``cache/enums/*.csv``.
- :mod:`dmkb.load.kb` opens the files of one KB: its disorder files and research reports.
"""
