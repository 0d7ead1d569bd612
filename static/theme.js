// Loaded in <head> without defer (it is tiny) so a remembered theme applies
// before the first paint. The toggle itself is wired in kb.js.
(function () {
  try {
    var theme = localStorage.getItem("kb-theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage blocked: follow the system */ }
})();
