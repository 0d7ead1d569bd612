// Site behaviour. Everything here is an enhancement: without JavaScript every
// page still works (forms submit, links link). No inline scripts anywhere: this
// file is loaded with `defer`, so the DOM is ready when it runs.
(function () {
  "use strict";
  var T = window.KB_I18N || {};
  function t(text) { return T[text] || text; }
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

  // --- Search as you type -----------------------------------------------------
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
