/* dmkb pages: the index page's search, sortable tables, evidence opened where a link leads (and for
   printing), and the interactive mechanism graph of a disorder page. Without scripts the index lists every disorder,
   tables keep their order and the graph is a static picture. */
(function () {
  "use strict";

  /* The site's one search (dmkb.site.search does the same for the server's /api/search): every
     query word must match a word of the disorder exactly, as its beginning, or with a typing
     mistake or two (a word with a digit, the number of an id, only exactly); matches count by field,
     and rows are shown best first. */
  function words(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
  }

  function typoDistance(a, b, most) { // optimal string alignment, given up beyond `most`
    if (Math.abs(a.length - b.length) > most) return most + 1;
    var before = null, previous = [], i, j;
    for (j = 0; j <= b.length; j++) previous.push(j);
    for (i = 1; i <= a.length; i++) {
      var current = [i], lowest = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
        if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
        current.push(d);
        lowest = Math.min(lowest, d);
      }
      if (lowest > most) return most + 1;
      before = previous;
      previous = current;
    }
    return previous[b.length];
  }

  function searcher(data) {
    var places = {}, exactOnly = new RegExp(data.exact_only);
    data.entries.forEach(function (entry, k) {
      entry.fields.forEach(function (field, f) {
        field.split(" ").filter(Boolean).forEach(function (word) {
          (places[word] = places[word] || []).push([k, data.weights[f]]);
        });
      });
    });
    function quality(query, word) {
      if (word === query) return data.quality[0];
      if (exactOnly.test(query)) return 0;
      if (word.indexOf(query) === 0) return data.quality[1];
      var most = data.typos_from.filter(function (n) { return query.length >= n; }).length;
      return most && typoDistance(query, word, most) <= most ? data.quality[2] : 0;
    }
    return function (query) { // stem -> score, or null for an empty query
      var wanted = words(query).slice(0, data.max_words);
      if (!wanted.length) return null;
      var totals = null;
      wanted.forEach(function (q) {
        var best = {};
        Object.keys(places).forEach(function (word) {
          var found = quality(q, word);
          if (found) places[word].forEach(function (p) { best[p[0]] = Math.max(best[p[0]] || 0, p[1] * found); });
        });
        if (totals === null) { totals = best; return; }
        var both = {};
        Object.keys(best).forEach(function (k) { if (k in totals) both[k] = totals[k] + best[k]; });
        totals = both;
      });
      var scores = {};
      Object.keys(totals).forEach(function (k) { scores[data.entries[k].stem] = totals[k]; });
      return scores;
    };
  }

  function setUpIndexFilter() {
    var form = document.querySelector(".filters");
    var body = document.querySelector(".disorders tbody");
    var source = document.getElementById("search-data");
    if (!form || !body || !source) return;
    var rows = Array.prototype.slice.call(body.rows);
    var search = searcher(JSON.parse(source.textContent));
    var text = document.getElementById("filter-text");
    var category = document.getElementById("filter-category");
    var counter = document.getElementById("result-count");
    var none = document.getElementById("no-results");
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });

    function apply() {
      var scores = search(text.value);
      var wanted = category.value;
      var shown = rows.filter(function (row) {
        var match = (!scores || row.getAttribute("data-stem") in scores) &&
          (!wanted || row.getAttribute("data-categories").split("|").indexOf(wanted) !== -1);
        row.hidden = !match;
        return match;
      });
      if (scores) { // best first, as the server's search ranks them
        shown.sort(function (a, b) { return scores[b.getAttribute("data-stem")] - scores[a.getAttribute("data-stem")]; });
        shown.forEach(function (row) { body.appendChild(row); });
        body.closest("table").querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
      }
      counter.textContent = shown.length === rows.length ? rows.length + " disorders" : shown.length + " of " + rows.length + " disorders";
      none.hidden = shown.length !== 0;
    }
    text.addEventListener("input", apply);
    category.addEventListener("change", apply);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) text.value = query;
    apply();
  }

  /* Tables whose columns sort on a click on their heading (numbers as numbers). */
  function setUpSortableTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var headings = Array.prototype.slice.call(table.querySelectorAll("thead th"));
      headings.forEach(function (th, column) {
        th.tabIndex = 0;
        th.title = "Sort by this column";
        function sort() {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          function value(row) {
            var cell = row.cells[column];
            var raw = cell ? (cell.getAttribute("data-value") || cell.textContent.trim()) : "";
            var number = parseFloat(raw);
            return isNaN(number) || !/^[\d.\-]/.test(raw) ? raw.toLowerCase() : number;
          }
          rows.sort(function (a, b) {
            var x = value(a), y = value(b);
            var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        }
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (event) { if (event.key === "Enter") sort(); });
      });
    });
  }

  /* A card shown from a link or the graph opens its own evidence. */
  function openEvidence(card) {
    if (!card) return;
    Array.prototype.forEach.call(card.children, function (child) {
      if (child.matches("details.evidence-list")) child.open = true;
    });
  }

  var COLORS = {
    step: { fill: "#e9f1fb", line: "#2f64a8" },
    phenotype: { fill: "#fdf3e4", line: "#b4690e" },
    treatment: { fill: "#e6f5ee", line: "#23805a" }
  };

  function graphStyle() {
    return [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-valign": "center", "text-halign": "center",
        "font-size": 13, "font-family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif",
        "color": "#1c2633", "width": "data(w)", "height": "data(h)", "shape": "round-rectangle",
        "border-width": 1.5, "background-color": COLORS.step.fill, "border-color": COLORS.step.line
      } },
      { selector: "node[kind = 'phenotype']", style: {
        "shape": "round-rectangle", "background-color": COLORS.phenotype.fill, "border-color": COLORS.phenotype.line
      } },
      { selector: "node[kind = 'treatment']", style: {
        "shape": "cut-rectangle", "background-color": COLORS.treatment.fill, "border-color": COLORS.treatment.line
      } },
      { selector: "node.selected", style: { "border-width": 3.5 } },
      { selector: "edge", style: {
        "width": 1.6, "curve-style": "bezier", "line-color": "#5d6b7c", "target-arrow-color": "#5d6b7c",
        "target-arrow-shape": "triangle", "arrow-scale": 1.1
      } },
      { selector: "edge[kind = 'sequela']", style: {
        "line-color": COLORS.phenotype.line, "target-arrow-color": COLORS.phenotype.line, "line-style": "dashed"
      } },
      { selector: "edge[kind = 'treatment']", style: {
        "line-color": COLORS.treatment.line, "target-arrow-color": COLORS.treatment.line, "line-style": "dotted",
        "width": 2
      } },
      { selector: "edge[kind = 'treatment'][label = 'INHIBITS']", style: { "target-arrow-shape": "tee" } },
      { selector: ".faded", style: { "opacity": 0.18 } }
    ];
  }

  function goTo(anchor) {
    var target = document.getElementById(anchor);
    if (!target) return;
    openEvidence(target);
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#" + anchor);
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
    target.classList.remove("flash");
    void target.offsetWidth; // restart the highlight
    target.classList.add("flash");
  }

  /* Linked nodes top-down; nodes without links in a grid below them, as many to a row as the
     drawing's width holds at full size, so that nothing is ever cut off. */
  function arrange(cy, canvas) {
    var unlinked = cy.nodes().filter(function (n) {
      return n.connectedEdges().filter(function (e) { return e.source().id() !== e.target().id(); }).length === 0;
    });
    var linked = cy.elements().not(unlinked);
    var top = 0, left = 0, gap = 20;
    if (linked.nodes().length) {
      linked.layout(window.cytoscapeDagre
        ? { name: "dagre", rankDir: "TB", nodeSep: 16, rankSep: 44, edgeSep: 10, fit: false }
        : { name: "breadthfirst", directed: true, spacingFactor: 1.1, fit: false }).run();
      var box = linked.boundingBox();
      top = box.y2 + 2 * gap;
      left = box.x1;
    }
    if (!unlinked.length) return;
    var cell = Math.max.apply(null, unlinked.map(function (n) { return n.data("w"); })) + gap;
    var columns = Math.max(1, Math.min(unlinked.length, Math.floor((canvas.clientWidth - 36 + gap) / cell)));
    var y = top;
    for (var start = 0; start < unlinked.length; start += columns) {
      var row = unlinked.slice(start, start + columns);
      var tallest = Math.max.apply(null, row.map(function (n) { return n.data("h"); }));
      row.forEach(function (n, k) { n.position({ x: left + cell * k + (cell - gap) / 2, y: y + tallest / 2 }); });
      y += tallest + gap;
    }
  }

  /* On a phone's screen labels are drawn no smaller than about 11.7 px (13 px at 0.9): a drawing wider than
     the screen then scrolls sideways in its box, and the causal chain is also given as a list. */
  var NARROW = "(max-width: 600px)", LEGIBLE = 0.9, LARGEST = 1.15, PAD = 18, TOP = 48; // room above for the buttons

  function isNarrow() {
    return Boolean(window.matchMedia && window.matchMedia(NARROW).matches);
  }

  /* The whole drawing as large as the box's width allows (up to a little over full size). */
  function fittingZoom(cy, canvas) {
    return Math.min(LARGEST, (canvas.parentNode.clientWidth - 2 * PAD) / cy.elements().boundingBox().w);
  }

  function readableZoom(cy, canvas) {
    var zoom = fittingZoom(cy, canvas);
    return isNarrow() ? Math.max(zoom, LEGIBLE) : zoom;
  }

  /* The drawing at `zoom`, never cut off: the drawing area as tall as the graph, and as wide as its box
     or, when the graph is wider, as the graph (the box scrolls sideways; the page never does). */
  function draw(cy, canvas, zoom) {
    var box = cy.elements().boundingBox();
    var width = Math.max(canvas.parentNode.clientWidth, Math.ceil(box.w * zoom + 2 * PAD));
    canvas.style.width = width + "px";
    canvas.style.height = Math.round(Math.max(160, box.h * zoom + TOP + PAD)) + "px";
    cy.resize();
    cy.zoom(zoom);
    cy.pan({ x: (width - box.w * zoom) / 2 - box.x1 * zoom, y: TOP - box.y1 * zoom });
    var hint = document.querySelector(".graph-hint"), wide = width > canvas.parentNode.clientWidth;
    if (hint) hint.hidden = !wide;
    if (wide) canvas.parentNode.tabIndex = 0; // the arrow keys scroll it, in every browser
    else canvas.parentNode.removeAttribute("tabindex");
  }

  /* Zoomed in or out around the middle of what the box shows. */
  function rezoom(cy, canvas, zoom) {
    var scroller = canvas.parentNode;
    var middle = (scroller.scrollLeft + scroller.clientWidth / 2) / canvas.clientWidth;
    draw(cy, canvas, Math.min(2.5, Math.max(0.15, zoom)));
    scroller.scrollLeft = middle * canvas.clientWidth - scroller.clientWidth / 2;
  }

  function setUpGraph() {
    var holder = document.querySelector(".graph");
    var source = document.getElementById("graph-data");
    if (!holder || !source || typeof window.cytoscape !== "function") return; // the static picture stays
    var data = JSON.parse(source.textContent);
    var canvas = document.getElementById("graph-canvas");
    var elements = data.nodes.map(function (n) {
      return { group: "nodes", data: { id: n.id, label: n.label, name: n.name, kind: n.kind, anchor: n.anchor, w: n.w, h: n.h } };
    }).concat(data.edges.map(function (e, i) {
      return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target, kind: e.kind, label: e.label } };
    }));
    canvas.hidden = false;
    canvas.style.height = (parseInt(holder.getAttribute("data-height"), 10) || 480) + "px";
    holder.querySelector(".graph-static").hidden = true;
    holder.querySelector(".graph-tools").hidden = false;
    var cy = window.cytoscape({
      container: canvas,
      elements: elements,
      style: graphStyle(),
      layout: { name: "preset" },
      userZoomingEnabled: false,
      userPanningEnabled: false, // the drawing stays in its box: a wider one scrolls sideways
      boxSelectionEnabled: false,
      autoungrabify: true,
      minZoom: 0.15,
      maxZoom: 2.5
    });
    arrange(cy, canvas);
    draw(cy, canvas, readableZoom(cy, canvas));
    var chain = document.getElementById("causal-chain");
    if (chain && !isNarrow()) chain.open = false; // the drawing reads well: the list stays at hand, folded
    cy.on("tap", "node", function (event) {
      cy.nodes().removeClass("selected");
      event.target.addClass("selected");
      goTo(event.target.data("anchor"));
    });
    cy.on("mouseover", "node", function (event) {
      var near = event.target.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
      canvas.style.cursor = "pointer";
    });
    cy.on("mouseout", "node", function () {
      cy.elements().removeClass("faded");
      canvas.style.cursor = "";
    });
    holder.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        rezoom(cy, canvas, how === "fit" ? fittingZoom(cy, canvas) : cy.zoom() * (how === "in" ? 1.25 : 0.8));
      });
    });
    document.querySelectorAll(".graph-link[data-node]").forEach(function (link) {
      link.addEventListener("click", function () {
        var node = cy.nodes().filter(function (n) { return n.data("anchor") === link.getAttribute("data-node"); });
        cy.nodes().removeClass("selected");
        node.addClass("selected");
        if (node.length) canvas.parentNode.scrollLeft = node.renderedPosition("x") - canvas.parentNode.clientWidth / 2;
      });
    });
    var room = canvas.parentNode.clientWidth;
    window.addEventListener("resize", function () { // a phone turned on its side: drawn again for its width
      if (canvas.parentNode.clientWidth === room) return;
      room = canvas.parentNode.clientWidth;
      draw(cy, canvas, readableZoom(cy, canvas));
    });
    window.dmkbGraph = cy; // for the browser tests and the console
  }

  /* A printed page carries its evidence: every folded part is opened for printing, and folded
     again afterwards. */
  function setUpPrinting() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
        d.open = true;
        return true;
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  /* The part a link leads to is shown, whatever folds it (a line of the YAML named by a curation check):
     browsers that do not open folded parts for a link are helped. */
  function reveal() {
    var target = null;
    try { target = document.getElementById(decodeURIComponent(window.location.hash.slice(1))); } catch (e) { return; }
    if (!target) return;
    openEvidence(target);
    var folded = false;
    for (var d = target.parentElement; d; d = d.parentElement) {
      if (d.tagName === "DETAILS" && !d.open) { d.open = true; folded = true; }
    }
    if (folded) target.scrollIntoView({ block: "center" });
  }

  function start() {
    setUpIndexFilter();
    setUpSortableTables();
    setUpGraph();
    setUpPrinting();
    reveal();
    window.addEventListener("hashchange", reveal);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
