// Site behaviour. Everything here is an enhancement: without JavaScript every
// page still works (forms submit, links link). No inline scripts anywhere: this
// file is loaded with `defer`, so the DOM is ready when it runs.
(function () {
  "use strict";
  var T = {};
  try { T = JSON.parse(document.body.dataset.i18n || "{}"); } catch (e) { T = {}; }
  function t(text) { return T[text] || text; }
  window.kbText = t;  // for the smaller blocks below
  document.documentElement.classList.add("js");

  // Ctrl+Enter (or Cmd+Enter) submits a paste form: people paste and go.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var target = event.target;
    if (target && target.tagName === "TEXTAREA" && target.form) {
      event.preventDefault();
      if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
    }
  });

  // --- Copying --------------------------------------------------------------
  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  function confirmCopy(button, label) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    return function (ok) {
      button.textContent = ok ? t("Copied") : t("Press Ctrl+C to copy");
      status.textContent = ok ? t("Copied") + (label ? ": " + label : "") : "";
      button.classList.toggle("copied", ok);
      setTimeout(function () { button.textContent = original; button.classList.remove("copied"); }, 1600);
    };
  }

  // A Copy button on every code block (entries, guides, the filled-in fix).
  function addCopyButtons(root) {
    root.querySelectorAll("pre").forEach(function (pre) {
      if (pre.dataset.copy === "off" || pre.parentNode.classList.contains("code-wrap")) return;
      var holder = pre.closest("div.highlight") || pre;
      var wrap = document.createElement("div");
      wrap.className = "code-wrap";
      holder.parentNode.insertBefore(wrap, holder);
      wrap.appendChild(holder);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-code";
      button.textContent = t("Copy");
      button.setAttribute("aria-label", t("Copy code"));
      button.addEventListener("click", function () {
        var done = confirmCopy(button, t("code"));
        copyText(pre.innerText.replace(/\n$/, "")).then(function () { done(true); }, function () { done(false); });
      });
      wrap.appendChild(button);
    });
  }
  var main = document.getElementById("main");
  if (main) addCopyButtons(main);

  // "Copy link": the URL, a Markdown link, and wiki links (Confluence, MediaWiki).
  function linkForms(url, title) {
    var clean = title.replace(/[\[\]|]/g, " ").replace(/\s+/g, " ").trim();
    return [
      ["URL", url],
      ["Markdown", "[" + clean + "](" + url + ")"],
      ["Confluence", "[" + clean + "|" + url + "]"],
      ["MediaWiki", "[" + url + " " + clean + "]"]
    ];
  }
  var openMenu = null;
  function closeMenu(focusButton) {
    if (!openMenu) return;
    var button = openMenu.button;
    openMenu.menu.remove();
    button.setAttribute("aria-expanded", "false");
    openMenu = null;
    if (focusButton) button.focus();
  }
  function openLinkMenu(button) {
    closeMenu(false);
    var menu = document.createElement("div");
    menu.className = "copy-menu";
    menu.setAttribute("role", "group");
    menu.setAttribute("aria-label", t("Copy link as"));
    linkForms(button.dataset.url, button.dataset.title).forEach(function (form) {
      var row = document.createElement("div");
      row.className = "copy-row";
      var copy = document.createElement("button");
      copy.type = "button";
      copy.className = "copy-form";
      copy.dataset.form = form[0];
      copy.textContent = form[0];
      copy.setAttribute("aria-label", t("Copy as") + " " + form[0]);
      var code = document.createElement("code");
      code.textContent = form[1];
      copy.addEventListener("click", function () {
        var done = confirmCopy(copy, form[0]);
        copyText(form[1]).then(function () { done(true); }, function () { done(false); });
      });
      row.appendChild(copy);
      row.appendChild(code);
      menu.appendChild(row);
    });
    button.insertAdjacentElement("afterend", menu);
    button.setAttribute("aria-expanded", "true");
    openMenu = { menu: menu, button: button };
    menu.querySelector("button").focus();
  }
  document.querySelectorAll("button.copy-link").forEach(function (button) {
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function (event) {
      event.stopPropagation();
      if (openMenu && openMenu.button === button) closeMenu(true); else openLinkMenu(button);
    });
  });
  document.addEventListener("click", function (event) {
    if (openMenu && !openMenu.menu.contains(event.target)) closeMenu(false);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openMenu) closeMenu(true);
  });

  // --- Search as you type: one ARIA combobox for every search box -------------
  // (input[data-suggest]). Arrows move, Enter opens the active option (or submits
  // the form), Escape closes the list and keeps the query, "/" focuses search.
  var comboCount = 0;
  function attach(input) {
    var id = "suggest-" + (++comboCount);
    var box = document.createElement("div");
    box.className = "combo";
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    var list = document.createElement("ul");
    list.className = "suggest";
    list.id = id;
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", t("Suggestions"));
    var note = document.createElement("div");
    note.className = "suggest-note visually-hidden";
    note.setAttribute("role", "status");
    note.setAttribute("aria-live", "polite");
    box.appendChild(list);
    box.appendChild(note);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");
    var timer = null, last = null, active = -1, options = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(index) {
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function go(option) { window.location.href = option.dataset.url; }
    function option(text, url, extra) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = id + "-" + list.children.length;
      li.dataset.url = url;
      li.setAttribute("aria-selected", "false");
      var title = document.createElement("span");
      title.className = "title";
      title.textContent = text;  // text, never HTML
      li.appendChild(title);
      if (extra) { for (var k in extra) li.setAttribute(k, extra[k]); }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); go(li); });
      list.appendChild(li);
      return li;
    }
    function show(data, q) {
      list.replaceChildren();
      data.results.forEach(function (hit) {
        option(hit.title, hit.url, hit.lang ? { lang: hit.lang } : null);
      });
      var all = option("", "/search?q=" + encodeURIComponent(q));
      all.classList.add("see-all");
      all.firstChild.textContent = data.count
        ? t("See all results for") + " “" + q + "”"
        : t("No suggestions: search for") + " “" + q + "”";
      options = Array.prototype.slice.call(list.children);
      var said = data.count + " " + (data.count === 1 ? t("suggestion") : t("suggestions"));
      if (data.corrected) said += " · " + t("showing results for") + " " + data.corrected;
      note.textContent = said;
      if (data.corrected) {
        var fix = document.createElement("li");
        fix.className = "corrected";
        fix.setAttribute("role", "option");
        fix.id = id + "-corrected";
        fix.dataset.url = "/search?q=" + encodeURIComponent(data.corrected);
        fix.setAttribute("aria-selected", "false");
        fix.textContent = t("Showing results for") + " " + data.corrected;
        fix.addEventListener("mousedown", function (event) { event.preventDefault(); go(fix); });
        list.insertBefore(fix, list.firstChild);
        options = Array.prototype.slice.call(list.children);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      setActive(-1);
    }
    function update() {
      var q = input.value;
      if (q === last) return;
      last = q;
      if (q.trim().length < 1) { close(); list.replaceChildren(); return; }
      fetch("/api/search?limit=6&q=" + encodeURIComponent(q))
        .then(function (r) { return r.json(); })
        .then(function (data) { if (input.value === q) show(data, q.trim()); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!open) { last = null; update(); return; }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) next = -1;
        if (next < -1) next = options.length - 1;
        setActive(next);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); go(options[active]); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("focus", function () { if (options.length && input.value.trim()) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);

  // "/" jumps to the search box (unless the user is typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var el = document.activeElement;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
    var search = document.querySelector("main input[data-suggest]") || document.querySelector("header input[data-suggest]");
    if (!search) return;
    event.preventDefault();
    search.focus();
    search.select();
  });
})();

// After a paste is diagnosed, the answer takes focus (screen readers announce it,
// the page scrolls to it); without JavaScript the form's #diagnosis target scrolls.
(function () {
  var answer = document.querySelector("#diagnosis[data-autofocus]");
  if (!answer) return;
  answer.focus({ preventScroll: true });
  answer.scrollIntoView({ block: "start" });
})();

// Dark mode toggle: starts from the system's choice, remembers the user's.
(function () {
  var button = document.querySelector("button.theme-toggle");
  if (!button) return;
  var root = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function isDark() {
    if (root.dataset.theme) return root.dataset.theme === "dark";
    return !!(system && system.matches);
  }
  function show() { button.setAttribute("aria-pressed", isDark() ? "true" : "false"); }
  button.hidden = false;
  show();
  button.addEventListener("click", function () {
    var next = isDark() ? "light" : "dark";
    root.dataset.theme = next;
    try { localStorage.setItem("kb-theme", next); } catch (e) { /* not remembered */ }
    show();
  });
  if (system && system.addEventListener) system.addEventListener("change", show);
})();

// Contents: mark the section being read (wide screens show the list beside the text).
(function () {
  var links = document.querySelectorAll("nav.toc a[href^='#']");
  if (!links.length || !("IntersectionObserver" in window)) return;
  var byId = {};
  links.forEach(function (a) { byId[a.getAttribute("href").slice(1)] = a; });
  var visible = {};
  function mark() {
    var current = null;
    document.querySelectorAll(".entry-body > section[id]").forEach(function (section) {
      if (visible[section.id] && current === null) current = section.id;
    });
    if (current === null) return;
    links.forEach(function (a) { a.removeAttribute("aria-current"); });
    if (byId[current]) byId[current].setAttribute("aria-current", "true");
  }
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { visible[e.target.id] = e.isIntersecting; });
    mark();
  }, { rootMargin: "0px 0px -60% 0px" });
  document.querySelectorAll(".entry-body > section[id]").forEach(function (s) { observer.observe(s); });
})();

// /kb/: filter the list on the page by component, tag or any text.
(function () {
  var box = document.querySelector(".entry-filter");
  var list = document.getElementById("entry-list");
  if (!box || !list) return;
  var input = box.querySelector("input");
  var count = box.querySelector(".filter-count");
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-components]"));
  box.hidden = false;
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li) {
      var hay = (li.textContent + " " + li.dataset.components + " " + li.dataset.tags).toLowerCase();
      var ok = words.every(function (w) { return hay.indexOf(w) !== -1; });
      li.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = words.length ? shown + " " + window.kbText("entries shown") : "";
  }
  input.addEventListener("input", apply);
})();

// "Was this helpful?": answered in place when JavaScript runs, a plain form otherwise.
(function () {
  document.querySelectorAll("form.feedback").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch || !window.FormData) return;
      event.preventDefault();
      var data = new FormData(form);
      data.set("helpful", button.value);
      fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          var note = document.createElement("p");
          note.className = "feedback-thanks";
          note.setAttribute("role", "status");
          note.textContent = r.ok ? window.kbText("Thanks for the feedback.") : window.kbText("Too many answers, thank you.");
          form.replaceChildren(note);
        })
        .catch(function () {
          var answer = document.createElement("input");
          answer.type = "hidden"; answer.name = "helpful"; answer.value = button.value;
          form.appendChild(answer);
          form.submit();
        });
    });
  });
})();
