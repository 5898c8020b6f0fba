"""The website: page contexts built from ``kb.sqlite``, formatted by one set of templates.

- :mod:`dmkb.site.data` reads what pages and the API need from ``kb.sqlite``.
- :mod:`dmkb.site.views` are the typed contexts the templates format.
- :mod:`dmkb.site.page` builds a disorder page (pure); :mod:`dmkb.site.cards` turns one item of
  an entry into a card; :mod:`dmkb.site.index` builds the index page.
- :mod:`dmkb.site.graph` prepares the mechanism graph: data for the browser's drawing and a
  static SVG picture, laid out by :mod:`dmkb.site.layout`.
- :mod:`dmkb.links` (below the site) knows the public pages of ontology terms and references;
  :mod:`dmkb.site.anchors` the element ids of items; :mod:`dmkb.site.policy` the pages' CSP.
- :mod:`dmkb.site.render` formats contexts with the Jinja templates (``templates/``);
  :mod:`dmkb.site.build` writes the static site with ``static/``. The server
  (:mod:`dmkb.server`) renders with the same :class:`dmkb.site.render.Renderer`.
"""
