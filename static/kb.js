// Ctrl+Enter (or Cmd+Enter) submits a paste form: people paste and go.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  var target = event.target;
  if (target && target.tagName === "TEXTAREA" && target.form) {
    event.preventDefault();
    if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
  }
});
