// The phenotype finder of the differential diagnosis page: words in, HPO terms out (from the
// server's term index), each added to the observed or the excluded list with one click.
// Without scripts the page still works: HP ids are typed into the two fields.
(function () {
  "use strict";
  const finder = document.getElementById("term-finder");
  const query = document.getElementById("term-query");
  const list = document.getElementById("term-suggestions");
  if (!finder || !query || !list) return;
  finder.hidden = false;
  let timer = null;
  let asked = "";

  function add(fieldId, id) {
    const field = document.getElementById(fieldId);
    const ids = field.value.split(/[\s,;|]+/).filter(Boolean);
    if (!ids.includes(id)) ids.push(id);
    field.value = ids.join(", ");
  }

  function button(text, fieldId, id) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "add-term add-" + fieldId;
    b.textContent = text;
    b.addEventListener("click", function () { add(fieldId, id); });
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
      item.append(button("+ observed", "observed", hit.id), button("+ excluded", "excluded", hit.id));
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
      if (words === asked) show(response.ok ? body.results : []);
    } catch (error) {
      list.replaceChildren();
    }
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 150);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault(); // Enter picks words, it does not send the form
  });
})();
