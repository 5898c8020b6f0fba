"""The pages' Content Security Policy, one text for the static pages (a meta tag) and the server
(a header): scripts and styles only from the site itself, nothing inline, no plugins, forms sent
only to the site (the search box of every page, the differential diagnosis).

The one exception is the style sheet the graph library inserts, allowed by its hash.
"""

# sha256 of ".__________cytoscape_container { position: relative; }", which cytoscape adds to <head>
_GRAPH_LIBRARY_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {_GRAPH_LIBRARY_STYLE}; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
