"""The commands that start from the KB's files, run room after room: ``compile`` reads the YAML into
``kb.sqlite``, then its readers (``site``, ``similarity``, ``server``) take it from there. The readers
never read the YAML themselves (tests/test_house_flow.py).

- :mod:`dmkb.pipeline.build`: ``dmkb build``, the KB compiled and its site written.
- :mod:`dmkb.pipeline.serve`: ``dmkb serve``, built, served, and built again when a file changes
  (:mod:`dmkb.pipeline.watch` notices it).
"""
