// Live checks run page: poll GET /api/checks/<id> and add results as they arrive.
// Everything from the API is inserted with textContent, never as markup.
(function () {
  "use strict";
  var root = document.getElementById("check-run");
  if (!root) { return; }
  var list = document.getElementById("check-results");
  var pending = document.getElementById("check-pending");
  var statusEl = document.getElementById("run-status");
  var summary = document.getElementById("check-summary");
  var ORDER = ["pass", "warn", "fail", "error", "skipped"];
  // Words in the reader's language, rendered by the template (data-label-*).
  function label(name) { return root.getAttribute("data-label-" + name) || name; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function renderResult(r, entries) {
    var li = el("li", "check-result s-" + r.status);
    li.setAttribute("data-check", r.check);
    li.appendChild(el("span", "badge s-" + r.status, label(r.status)));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("strong", "title", r.title));
    li.appendChild(el("span", "duration", r.duration_ms + " ms"));
    li.appendChild(el("p", "message", r.message));
    if (r.entry) {
      var info = (entries && entries[r.entry]) || {};
      var p = el("p", "entry", label("see") + " ");
      var a = el("a", null, info.title || r.entry);
      a.href = info.url || "/kb/" + encodeURIComponent(r.entry) + "/";
      p.appendChild(a);
      p.appendChild(document.createTextNode(" "));
      p.appendChild(el("code", null, r.entry));
      li.appendChild(p);
    }
    if (r.evidence && Object.keys(r.evidence).length) {
      var details = el("details");
      details.appendChild(el("summary", null, label("evidence")));
      details.appendChild(el("pre", null, JSON.stringify(r.evidence, null, 2)));
      li.appendChild(details);
    }
    return li;
  }

  function renderSummary(results) {
    var counts = {};
    results.forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; });
    summary.textContent = "";
    ORDER.forEach(function (s) {
      if (counts[s]) {
        summary.appendChild(el("span", "badge s-" + s, counts[s] + " " + label(s)));
        summary.appendChild(document.createTextNode(" "));
      }
    });
  }

  function renderPending(data) {
    var seen = {};
    data.results.forEach(function (r) { seen[r.check] = true; });
    pending.textContent = "";
    if (data.status === "done" || data.status === "error") { return; }
    (data.planned || []).forEach(function (item) {
      if (seen[item.check]) { return; }
      var li = el("li");
      li.setAttribute("data-check", item.check);
      var spin = el("span", "spinner");
      spin.setAttribute("aria-hidden", "true");
      li.appendChild(spin);
      li.appendChild(document.createTextNode(" " + item.title));
      pending.appendChild(li);
    });
  }

  function apply(data) {
    var shown = list.children.length;
    for (var i = shown; i < data.results.length; i++) { list.appendChild(renderResult(data.results[i], data.entries)); }
    statusEl.textContent = label(data.status);
    root.setAttribute("data-status", data.status);
    renderSummary(data.results);
    renderPending(data);
    if (data.error) {
      var existing = document.getElementById("run-error");
      if (!existing) {
        existing = el("p", "check-error");
        existing.id = "run-error";
        existing.setAttribute("role", "alert");
        root.insertBefore(existing, summary);
      }
      existing.textContent = data.error;
    }
  }

  function poll() {
    fetch(root.getAttribute("data-api"), { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { apply(data); }
        if (!data || data.status === "queued" || data.status === "running") { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }

  var status = root.getAttribute("data-status");
  if (status === "queued" || status === "running") { setTimeout(poll, 300); }
})();
