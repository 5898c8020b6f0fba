/* dmkb pages: the index filter, and the interactive mechanism graph of a disorder page.
   Without scripts the index lists every disorder and the graph is a static picture. */
(function () {
  "use strict";

  function setUpIndexFilter() {
    var form = document.querySelector(".filters");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".disorders tbody tr"));
    if (!form || !rows.length) return;
    var text = document.getElementById("filter-text");
    var category = document.getElementById("filter-category");
    var counter = document.getElementById("result-count");
    var none = document.getElementById("no-results");
    form.hidden = false;
    form.addEventListener("submit", function (event) { event.preventDefault(); });

    function apply() {
      var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = category.value;
      var shown = 0;
      rows.forEach(function (row) {
        var haystack = row.getAttribute("data-search");
        var categories = row.getAttribute("data-categories").split("|");
        var match = words.every(function (w) { return haystack.indexOf(w) !== -1; }) &&
          (!wanted || categories.indexOf(wanted) !== -1);
        row.hidden = !match;
        if (match) shown += 1;
      });
      counter.textContent = shown === rows.length ? rows.length + " disorders" : shown + " of " + rows.length + " disorders";
      none.hidden = shown !== 0;
    }
    text.addEventListener("input", apply);
    category.addEventListener("change", apply);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) text.value = query;
    apply();
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
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#" + anchor);
    target.scrollIntoView({ behavior: "smooth", block: "start" });
    target.classList.remove("flash");
    void target.offsetWidth; // restart the highlight
    target.classList.add("flash");
  }

  /* As large as the width allows, but never so small that labels cannot be read: the drawing
     area takes the graph's height, and a graph wider than the page is panned by dragging. */
  function fitReadably(cy, canvas) {
    var pad = 18, readable = 0.72, largest = 1.15;
    var box = cy.elements().boundingBox();
    var width = canvas.clientWidth;
    var zoom = Math.max(readable, Math.min(largest, (width - 2 * pad) / box.w));
    var height = Math.max(260, Math.min(box.h * zoom + 2 * pad, 1100));
    canvas.style.height = Math.round(height) + "px";
    cy.resize();
    cy.zoom(zoom);
    cy.pan({ x: (width - box.w * zoom) / 2 - box.x1 * zoom, y: pad - box.y1 * zoom });
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
    var layout = window.cytoscapeDagre
      ? { name: "dagre", rankDir: "TB", nodeSep: 16, rankSep: 44, edgeSep: 10, padding: 18, fit: true }
      : { name: "breadthfirst", directed: true, padding: 18, spacingFactor: 1.1 };
    var cy = window.cytoscape({
      container: canvas,
      elements: elements,
      style: graphStyle(),
      layout: layout,
      userZoomingEnabled: false,
      boxSelectionEnabled: false,
      autoungrabify: true,
      minZoom: 0.15,
      maxZoom: 2.5
    });
    fitReadably(cy, canvas);
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
        if (how === "fit") { fitReadably(cy, canvas); return; }
        var center = { x: canvas.clientWidth / 2, y: canvas.clientHeight / 2 };
        cy.zoom({ level: cy.zoom() * (how === "in" ? 1.25 : 0.8), renderedPosition: center });
      });
    });
    document.querySelectorAll(".graph-link[data-node]").forEach(function (link) {
      link.addEventListener("click", function () {
        var node = cy.nodes().filter(function (n) { return n.data("anchor") === link.getAttribute("data-node"); });
        cy.nodes().removeClass("selected");
        node.addClass("selected");
        if (node.length) cy.animate({ center: { eles: node }, duration: 300 });
      });
    });
    window.dmkbGraph = cy; // for the browser tests and the console
  }

  function start() {
    setUpIndexFilter();
    setUpGraph();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
