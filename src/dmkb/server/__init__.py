"""The web server: the site's pages rendered live from ``kb.sqlite`` by the same renderer as the
static build, and a JSON API. It reads only the compiled KB; :mod:`dmkb.pipeline.serve` builds it
and builds it again whenever a file of the KB changes.

- :mod:`dmkb.server.state` holds the compiled KB being served and its rendered pages.
- :mod:`dmkb.server.app` is the application (``create_app``).
- :mod:`dmkb.server.limits` refuses oversized and malformed requests before they reach it.
- :mod:`dmkb.server.run` listens and runs the server.
"""
