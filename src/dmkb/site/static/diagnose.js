// The differential diagnosis page: a phenotype finder (words in, HPO terms out, from the server's
// term index), and the chosen phenotypes as labelled chips that can be removed. The two fields
// keep the ids, so without scripts the page still works: HP ids are typed into them.
(function () {
  "use strict";
  const labels = new Map(); // HP id -> label, from the page and from the finder
  document.querySelectorAll("[data-term-id]").forEach(function (item) {
    labels.set(item.dataset.termId, item.dataset.termLabel);
  });

  function ids(field) {
    return field.value.split(/[\s,;|]+/).filter(Boolean);
  }

  function setIds(field, values) {
    field.value = values.join(", ");
    showChosen(field);
  }

  function chip(field, id) {
    const item = document.createElement("li");
    item.className = "chosen-term";
    item.dataset.termId = id;
    const name = document.createElement("span");
    name.className = "chosen-label";
    name.textContent = labels.get(id) || id;
    const code = document.createElement("span");
    code.className = "term-id";
    code.textContent = id;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove-term";
    remove.textContent = "×";
    remove.setAttribute("aria-label", "Remove " + (labels.get(id) || id));
    remove.addEventListener("click", function () {
      setIds(field, ids(field).filter(function (other) { return other !== id; }));
      // the button went with its chip: focus goes where phenotypes are typed
      const finder = document.getElementById("term-finder");
      (finder && !finder.hidden ? document.getElementById("term-query") : field).focus();
    });
    item.append(name, " ", code, remove);
    return item;
  }

  async function lookUpLabel(field, id) {
    try {
      const response = await fetch("/api/terms/" + encodeURIComponent(id));
      if (!response.ok) return;
      labels.set(id, (await response.json()).label);
      showChosen(field);
    } catch (error) { /* the id stays shown as it is */ }
  }

  function showChosen(field) {
    const list = document.getElementById(field.id + "-chips");
    if (!list) return;
    const chosen = ids(field);
    list.replaceChildren(...chosen.map(function (id) { return chip(field, id); }));
    if (!document.getElementById("term-finder")) return; // no term index to name them
    chosen.filter(function (id) { return !labels.has(id) && /^HP:\d{7}$/i.test(id); }).forEach(function (id) {
      labels.set(id, null); // asked once
      lookUpLabel(field, id);
    });
  }

  const fields = ["observed", "excluded"].map(function (id) { return document.getElementById(id); }).filter(Boolean);
  fields.forEach(function (field) {
    showChosen(field);
    field.addEventListener("input", function () { showChosen(field); });
  });

  const finder = document.getElementById("term-finder");
  const query = document.getElementById("term-query");
  const list = document.getElementById("term-suggestions");
  const problem = document.getElementById("term-problem");
  if (!finder || !query || !list) return;
  finder.hidden = false;
  let timer = null;
  let asked = "";

  function add(fieldId, hit) {
    const field = document.getElementById(fieldId);
    labels.set(hit.id, hit.label);
    const chosen = ids(field);
    if (!chosen.includes(hit.id)) chosen.push(hit.id);
    setIds(field, chosen);
    query.value = ""; // ready for the next phenotype
    asked = "";
    list.replaceChildren();
    query.focus();
  }

  function button(text, fieldId, hit) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "add-term add-" + fieldId;
    b.textContent = text;
    b.addEventListener("click", function () { add(fieldId, hit); });
    return b;
  }

  function show(results) {
    list.replaceChildren();
    for (const hit of results) {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "suggestion-label";
      name.textContent = hit.label;
      const id = document.createElement("span");
      id.className = "term-id";
      id.textContent = hit.id;
      item.append(name, " ", id);
      if (hit.matched && hit.matched !== hit.label) {
        const matched = document.createElement("span");
        matched.className = "matched";
        matched.textContent = "“" + hit.matched + "”";
        item.append(" ", matched);
      }
      item.append(button("+ observed", "observed", hit), button("+ excluded", "excluded", hit));
      list.append(item);
    }
  }

  async function lookUp() {
    const words = query.value.trim();
    if (words.length < 2 || words === asked) return;
    asked = words;
    try {
      const response = await fetch("/api/terms?prefix=HP&limit=8&q=" + encodeURIComponent(words));
      const body = await response.json();
      if (words !== asked) return;
      const found = response.ok ? body.results : [];
      problem.textContent = response.ok ? (found.length ? "" : "no phenotype matches “" + words + "”") : body.error.message;
      problem.hidden = !problem.textContent;
      show(found);
    } catch (error) {
      list.replaceChildren();
    }
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 150);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault(); // Enter picks the first phenotype found as observed, it does not send the form
    const first = list.querySelector(".add-observed");
    if (first) first.click();
  });
})();
