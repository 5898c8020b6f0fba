"""The tables of ``kb.sqlite``. One row per thing a reader or a query needs; lists are JSON text.

``disorders.data`` keeps the whole entry (as JSON) so pages can show every field, and
``disorders.source`` its YAML text, for readers to see and download; the other
tables are the parts people query: mechanism steps, causal edges, phenotypes, genes,
treatments and their targets, evidence with its verification status, references.
Paths (``pathophysiology[2].downstream[0]``) tie rows back to their place in the entry.
"""

SCHEMA_VERSION = "7"
PROBLEMS = "problems"  # meta key: JSON list of the entries that could not be compiled
CHECKED = "checked"  # meta key, when findings were recorded: JSON list of the checks that could not be made

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE disorders (
    id INTEGER PRIMARY KEY,
    stem TEXT NOT NULL UNIQUE,          -- the file name without .yaml: the page's name
    file TEXT NOT NULL,                 -- relative to the KB root
    digest TEXT NOT NULL,               -- sha256 of the file's bytes
    depends TEXT NOT NULL,              -- JSON {reference id: [size, mtime_ns] | null} of cited cached texts
    name TEXT NOT NULL,
    mondo_id TEXT,
    mondo_label TEXT,
    description TEXT,
    categories TEXT NOT NULL,           -- JSON list
    synonyms TEXT NOT NULL,             -- JSON list
    parents TEXT NOT NULL,              -- JSON list
    data TEXT NOT NULL,                 -- the entry as JSON
    source TEXT NOT NULL,               -- the entry's YAML, as the curator wrote it
    identity TEXT                       -- JSON: what names its disorder, to compare entries (findings recorded)
);

CREATE TABLE steps (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), path TEXT NOT NULL, name TEXT NOT NULL, description TEXT
);
CREATE TABLE phenotypes (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), path TEXT NOT NULL, name TEXT NOT NULL,
    hpo_id TEXT, hpo_label TEXT, frequency TEXT, severity TEXT, category TEXT
);
CREATE TABLE genes (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), path TEXT NOT NULL, name TEXT NOT NULL,
    gene_id TEXT, gene_label TEXT, relationship TEXT, variant_origin TEXT, association TEXT
);
CREATE TABLE treatments (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), path TEXT NOT NULL, name TEXT NOT NULL,
    term_id TEXT, term_label TEXT, action_category TEXT
);
CREATE TABLE treatment_targets (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), treatment_path TEXT NOT NULL, target TEXT NOT NULL,
    step_path TEXT,                     -- the step the target names; NULL when it names none
    effect TEXT
);

-- the mechanism graph: steps, linked phenotypes and treatments that act on steps
CREATE TABLE graph_nodes (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), node TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL
);
CREATE TABLE graph_edges (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), source TEXT NOT NULL, target TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- downstream | sequela | treatment
    label TEXT,                         -- causal link type or treatment effect
    path TEXT NOT NULL
);

CREATE TABLE evidence (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id),
    path TEXT NOT NULL,                 -- of the evidence item
    owner TEXT NOT NULL,                -- path of the statement it backs
    reference TEXT,
    reference_title TEXT,
    supports TEXT,
    evidence_source TEXT,
    snippet TEXT,
    explanation TEXT,
    status TEXT NOT NULL                -- verified | not_found | not_cached | no_snippet
);

-- what dmkb validate finds in each entry (recorded by dmkb build; meta "checked" says so)
CREATE TABLE findings (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id),
    line INTEGER NOT NULL,
    path TEXT NOT NULL,                 -- in the entry (phenotypes[3].evidence[1].snippet); empty for the whole file
    check_name TEXT NOT NULL,           -- yaml | schema | graph | reference | snippet | term
    severity TEXT NOT NULL,             -- error | warning | info
    message TEXT NOT NULL,
    hint TEXT,
    across INTEGER NOT NULL             -- 1: found by comparing entries (two files, one disorder name)
);

CREATE TABLE sources (
    id TEXT PRIMARY KEY,                -- PMID:1, DOI:10.1/x, clinicaltrials:NCT…
    title TEXT, journal TEXT, year TEXT,
    authors TEXT,                       -- as a reference list shows them: "A Smith, B Jones, C Lee, et al."
    cached INTEGER NOT NULL
);
CREATE TABLE disorder_sources (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id),
    source_id TEXT NOT NULL REFERENCES sources (id), cited_title TEXT,
    PRIMARY KEY (disorder_id, source_id)
);

-- stored deep-research reports (ROOT/research/*.md and their .citations.md), each with its reference list
CREATE TABLE research (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL UNIQUE,          -- relative to the KB root
    digest TEXT NOT NULL,               -- sha256 of the report's bytes and its companion's
    depends TEXT NOT NULL,              -- JSON {reference id: [size, mtime_ns] | null} of the sources it lists
    stem TEXT,                          -- the disorder it is about (disorders.stem); NULL when it names none of the KB
    file_stem TEXT,                     -- what it names: the stem of its file name,
    disease_name TEXT,                  -- the disease of its template variables,
    mondo_id TEXT,                      -- and their MONDO id
    provider TEXT,
    model TEXT,
    started TEXT,                       -- ISO 8601, as written
    ended TEXT,
    duration_seconds REAL,
    question TEXT NOT NULL,
    body TEXT NOT NULL,                 -- the report (markdown), its reference list taken out
    metadata TEXT NOT NULL,             -- its front matter, as JSON
    problems TEXT NOT NULL              -- JSON [{line, message, hint}]: what could not be read
);
CREATE TABLE research_references (
    report_id INTEGER NOT NULL REFERENCES research (id),
    position INTEGER NOT NULL,
    key TEXT,                           -- the citation key (sanchez2024effective…), NULL for plain numbered items
    number INTEGER,                     -- its number in a numbered list
    labels TEXT NOT NULL,               -- JSON: the labels it is cited under (key pages 8-9, …)
    text TEXT NOT NULL,                 -- the entry (markdown)
    source_id TEXT,                     -- the KB's cached copy of the source (PMID:…, DOI:…), when there is one
    PRIMARY KEY (report_id, position)
);

-- the mechanism terms an entry mentions anywhere (GO processes, CL cell types, HGNC genes), first mention
-- first: what similar conditions compare besides phenotypes (dmkb.similarity)
CREATE TABLE mechanism_terms (
    disorder_id INTEGER NOT NULL REFERENCES disorders (id), term_id TEXT NOT NULL, label TEXT NOT NULL
);

-- full-text search of disorders; its rowid is the disorder's id (datasette: fts_table, fts_pk)
CREATE VIRTUAL TABLE search USING fts5(
    stem UNINDEXED, name, synonyms, keywords, description, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE INDEX steps_disorder ON steps (disorder_id);
CREATE INDEX phenotypes_disorder ON phenotypes (disorder_id);
CREATE INDEX genes_disorder ON genes (disorder_id);
CREATE INDEX treatments_disorder ON treatments (disorder_id);
CREATE INDEX targets_disorder ON treatment_targets (disorder_id);
CREATE INDEX nodes_disorder ON graph_nodes (disorder_id);
CREATE INDEX edges_disorder ON graph_edges (disorder_id);
CREATE INDEX mechanism_terms_disorder ON mechanism_terms (disorder_id);
CREATE INDEX evidence_disorder ON evidence (disorder_id);
CREATE INDEX findings_disorder ON findings (disorder_id);
CREATE INDEX disorder_sources_source ON disorder_sources (source_id);
CREATE INDEX research_stem ON research (stem);
"""

# tables holding rows of one disorder each, deleted with it
PER_DISORDER = (
    "steps", "phenotypes", "genes", "treatments", "treatment_targets",
    "graph_nodes", "graph_edges", "evidence", "disorder_sources", "mechanism_terms", "findings",
)
