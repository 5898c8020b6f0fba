/* Research questions on a disorder page: the box sends a question to the research service
   (POST /api/jobs), follows its progress and shows the report in place, rendered by the server as
   stored reports are. Questions and answers are kept in the browser's local storage, keyed by
   disorder, the entry's revision and the question; those of older revisions are dropped.
   Citation keys of every report open the folded part they lead to. */
(function () {
  "use strict";

  var PREFIX = "dmkb.research.";
  var FIRST_POLL = 1000, LONGEST_POLL = 15000;

  function $(root, selector) { return root.querySelector(selector); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* ---- following citation keys into folded sections ---- */

  function reveal(target) {
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }

  function goTo(id) {
    var target = document.getElementById(id);
    if (!target) return false;
    reveal(target);
    target.scrollIntoView({ block: "start" });
    target.classList.remove("flash");
    void target.offsetWidth; // restart the highlight
    target.classList.add("flash");
    return true;
  }

  function setUpCitations() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.cite, .report-refs a[href^='#']") : null;
      if (!link) return;
      var href = link.getAttribute("href") || "";
      if (href.charAt(0) !== "#") return;
      if (goTo(href.slice(1))) {
        event.preventDefault();
        if (window.history && window.history.pushState) window.history.pushState(null, "", href);
      }
    });
    if (window.location.hash) {
      var target = document.getElementById(window.location.hash.slice(1));
      if (target) { reveal(target); target.scrollIntoView({ block: "start" }); }
    }
  }

  /* ---- the report as the server rendered it, inserted without anything active ---- */

  var DROPPED = "script,style,iframe,frame,object,embed,link,meta,base,form,input,button,img,svg,math,template";

  function cleanFragment(html) {
    var parsed = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html");
    var root = parsed.body.firstElementChild;
    Array.prototype.forEach.call(root.querySelectorAll(DROPPED), function (node) { node.remove(); });
    Array.prototype.forEach.call(root.querySelectorAll("*"), function (node) {
      Array.prototype.slice.call(node.attributes).forEach(function (attribute) {
        var name = attribute.name.toLowerCase();
        var value = attribute.value.trim();
        if (name.indexOf("on") === 0 || name === "style" || name === "srcdoc" || name === "formaction" ||
            ((name === "href" || name === "src" || name === "xlink:href") && !/^(https?:|mailto:|#)/i.test(value))) {
          node.removeAttribute(attribute.name);
        }
      });
    });
    return document.importNode(root, true);
  }

  /* The ids of an answer must not clash with those of the page (or of another answer). */
  function uniqueIds(fragment, tag) {
    var renamed = {};
    Array.prototype.forEach.call(fragment.querySelectorAll("[id]"), function (node) {
      var id = node.id, fresh = id + "-" + tag, n = 2;
      while (document.getElementById(fresh)) { fresh = id + "-" + tag + "-" + n; n += 1; }
      renamed[id] = fresh;
      node.id = fresh;
    });
    Array.prototype.forEach.call(fragment.querySelectorAll("a[href^='#']"), function (link) {
      var id = link.getAttribute("href").slice(1);
      if (renamed[id]) link.setAttribute("href", "#" + renamed[id]);
    });
  }

  /* ---- local storage: disorder, revision, question ---- */

  /* A moment as the reports' own dates are written (2026-12-06 20:41), in the reader's time zone. */
  function shortDate(date) {
    function two(n) { return String(n).padStart(2, "0"); }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " +
      two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function questionKey(question) { return question.toLowerCase().replace(/\s+/g, " ").trim(); }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function keyOf(box, question) {
    return PREFIX + box.stem + "|" + box.revision + "|" + questionKey(question);
  }

  function save(box, entry) {
    var store = storage();
    if (!store) return;
    try { store.setItem(keyOf(box, entry.question), JSON.stringify(entry)); } catch (e) { /* full: not kept */ }
  }

  function forget(box, entry) {
    var store = storage();
    if (store) store.removeItem(keyOf(box, entry.question));
  }

  /* The entries of this disorder and revision, newest first; those of other revisions are removed. */
  function remembered(box) {
    var store = storage(), found = [], stale = [];
    if (!store) return found;
    var mine = PREFIX + box.stem + "|";
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (!key || key.indexOf(mine) !== 0) continue;
      if (key.indexOf(mine + box.revision + "|") !== 0) { stale.push(key); continue; }
      try { found.push(JSON.parse(store.getItem(key))); } catch (e) { stale.push(key); }
    }
    stale.forEach(function (key) { store.removeItem(key); });
    return found.filter(function (e) { return e && e.question; })
      .sort(function (a, b) { return (b.asked || 0) - (a.asked || 0); });
  }

  /* ---- talking to the research service ---- */

  function api(box, path, options) {
    return fetch(box.server + path, options).then(function (response) {
      var type = response.headers.get("content-type") || "";
      var body = type.indexOf("json") >= 0 ? response.json() : response.text();
      return body.then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function errorText(result) {
    var data = result.data;
    return (data && data.error) ? data.error : "the research service answered " + result.status;
  }

  /* ---- one question and its answer ---- */

  function Answer(box, entry) {
    this.box = box;
    this.entry = entry;
    this.node = el("article", "answer");
    this.node.dmkbAnswer = this;
    var head = el("div", "answer-head");
    head.appendChild(el("p", "answer-question", entry.question));
    this.remove = el("button", "answer-remove", "Remove");
    this.remove.type = "button";
    this.remove.title = "Remove this question and its answer from this browser";
    head.appendChild(this.remove);
    this.node.appendChild(head);
    this.state = el("div", "answer-state");
    this.node.appendChild(this.state);
    this.body = el("div", "answer-body");
    this.node.appendChild(this.body);
    var self = this;
    this.remove.addEventListener("click", function () {
      self.stopped = true;
      forget(box, entry);
      self.node.remove();
    });
  }

  Answer.prototype.show = function (text, tone) {
    this.state.textContent = "";
    var line = el("p", "answer-status" + (tone ? " " + tone : ""), text);
    this.state.appendChild(line);
    return line;
  };

  Answer.prototype.progress = function (status) {
    var line = this.show(status.status === "running"
      ? "Being answered: step " + status.current_iteration + " of " + status.max_iterations + "…"
      : "Waiting to be answered…");
    var bar = el("progress", "answer-progress");
    bar.max = status.max_iterations || 1;
    bar.value = status.status === "running" ? status.current_iteration : 0;
    line.appendChild(bar);
    var self = this;
    var cancel = el("button", "answer-cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", function () {
      api(self.box, "/api/jobs/" + encodeURIComponent(self.entry.job) + "/cancel", { method: "POST" });
    });
    line.appendChild(cancel);
  };

  Answer.prototype.render = function () {
    var entry = this.entry;
    if (entry.html) {
      this.show("Answered " + shortDate(new Date(entry.answered || entry.asked)) + ".");
      var fragment = cleanFragment(entry.html);
      uniqueIds(fragment, "a" + (entry.job || "").slice(0, 6));
      this.body.textContent = "";
      this.body.appendChild(fragment);
    } else if (entry.error) {
      this.show(entry.error, "bad");
    }
  };

  /* Ask (again): a question about a disorder that has another in progress waits for it first. */
  Answer.prototype.ask = function () {
    var self = this, box = this.box;
    this.show("Sending the question…");
    var payload = JSON.stringify({ disease_slug: box.stem, disease_name: box.name, mondo_id: box.mondo,
                                   question: this.entry.question });
    api(box, "/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: payload })
      .then(function (result) {
        if (self.stopped) return;
        if (result.status === 200 || result.status === 202) {
          self.entry.job = result.data.job_id;
          save(box, self.entry);
          self.follow(self.entry.job, FIRST_POLL, false);
        } else if (result.status === 409 && result.data && result.data.existing_job_id) {
          self.show("Another question about this disorder is being answered; yours is asked next…");
          self.follow(result.data.existing_job_id, FIRST_POLL, true);
        } else if (result.status === 429 || result.status === 503) {
          self.show(errorText(result) + " Asking again in a few seconds…");
          setTimeout(function () { if (!self.stopped) self.ask(); }, 5000);
        } else {
          self.fail(errorText(result));
        }
      })
      .catch(function () {
        self.fail("The research service " + (box.server ? "at " + box.server + " " : "") +
                  "cannot be reached: questions are answered by dmkb serve.");
      });
  };

  Answer.prototype.fail = function (message) {
    this.entry.error = message;
    save(this.box, this.entry);
    this.render();
  };

  /* Poll a job: every second at first, then less often, never while the tab is hidden. */
  Answer.prototype.follow = function (job, wait, other) {
    var self = this, box = this.box;
    function again() {
      var next = Math.min(wait * 1.5, LONGEST_POLL);
      setTimeout(function () { self.follow(job, next, other); }, wait);
    }
    if (this.stopped) return;
    if (document.hidden) {
      document.addEventListener("visibilitychange", function resume() {
        document.removeEventListener("visibilitychange", resume);
        self.follow(job, FIRST_POLL, other);
      });
      return;
    }
    api(box, "/api/jobs/" + encodeURIComponent(job) + "/status").then(function (result) {
      if (self.stopped) return;
      if (result.status !== 200) { self.fail(errorText(result)); return; }
      var status = result.data;
      if (other) {
        if (["completed", "failed", "cancelled"].indexOf(status.status) >= 0) self.ask();
        else again();
        return;
      }
      if (status.status === "completed") self.fetchReport(job);
      else if (status.status === "failed") self.fail("The question could not be answered: " + (status.error_message || "no reason given"));
      else if (status.status === "cancelled") self.fail("The question was cancelled.");
      else { self.progress(status); again(); }
    }).catch(again);
  };

  Answer.prototype.fetchReport = function (job) {
    var self = this;
    api(this.box, "/api/jobs/" + encodeURIComponent(job) + "/report?format=html").then(function (result) {
      if (result.status !== 200) { self.fail(errorText(result)); return; }
      self.entry.html = result.data;
      self.entry.answered = Date.now();
      save(self.box, self.entry);
      self.render();
    });
  };

  function setUpBox(node) {
    var box = {
      stem: node.getAttribute("data-stem"), name: node.getAttribute("data-name"),
      mondo: node.getAttribute("data-mondo"), revision: node.getAttribute("data-revision"),
      server: (node.getAttribute("data-server") || "").replace(/\/+$/, "")
    };
    var form = $(node, ".research-form"), field = $(node, "textarea"), count = $(node, ".research-count");
    var list = $(node, ".research-answers");

    function add(entry) {
      var answer = new Answer(box, entry);
      list.insertBefore(answer.node, list.firstChild);
      return answer;
    }

    remembered(box).reverse().forEach(function (entry) {
      var answer = add(entry);
      answer.render();
      if (!entry.html && !entry.error) {
        if (entry.job) answer.follow(entry.job, FIRST_POLL, false);
        else answer.ask();
      }
    });

    field.addEventListener("input", function () {
      count.textContent = field.value.length.toLocaleString("en") + " / 1,000";
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = field.value.replace(/\s+/g, " ").trim();
      if (!question) return;
      var existing = remembered(box).filter(function (e) { return questionKey(e.question) === questionKey(question); });
      Array.prototype.slice.call(list.children).forEach(function (child) {
        if (existing.length && $(child, ".answer-question").textContent === existing[0].question) {
          child.dmkbAnswer.stopped = true; // asked again: the new one follows the question
          child.remove();
        }
      });
      var entry = { question: question, asked: Date.now() };
      save(box, entry);
      add(entry).ask();
      field.value = "";
      count.textContent = "0 / 1,000";
    });
  }

  function start() {
    setUpCitations();
    Array.prototype.forEach.call(document.querySelectorAll(".research-box"), setUpBox);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
