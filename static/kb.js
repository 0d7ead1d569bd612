// Ctrl+Enter (or Cmd+Enter) submits a paste form: people paste and go.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  var target = event.target;
  if (target && target.tagName === "TEXTAREA" && target.form) {
    event.preventDefault();
    if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
  }
});

// Search as you type: suggestions from /api/search under every search box that
// asks for them (data-suggest). Without JavaScript the form still submits.
(function () {
  function attach(input) {
    var list = document.createElement("ul");
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    input.setAttribute("autocomplete", "off");
    input.parentNode.appendChild(list);
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value;
        if (q === last) return;
        last = q;
        if (q.trim().length < 2) { list.replaceChildren(); return; }
        fetch("/api/search?limit=6&q=" + encodeURIComponent(q))
          .then(function (r) { return r.json(); })
          .then(function (data) {
            if (input.value !== q) return;
            list.replaceChildren.apply(list, data.results.map(function (hit) {
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = hit.url;
              a.textContent = hit.title;  // text, never HTML
              li.setAttribute("role", "option");
              li.appendChild(a);
              return li;
            }));
          })
          .catch(function () { list.replaceChildren(); });
      }, 120);
    });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
