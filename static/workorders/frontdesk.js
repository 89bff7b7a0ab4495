// Front-desk quick entry (前台快速登记): keyboard only. Digits 1–9 in the first field pick the kind,
// Enter in any field saves; after saving the page reloads with the cursor in the first field.
(function () {
  "use strict";
  var form = document.getElementById("frontdesk-form");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  var topic = form.querySelector("[name=topic]");
  var keys = form.querySelectorAll(".kind-key");
  function mark() {
    keys.forEach(function (k) { k.classList.toggle("active", k.dataset.kind === kind.value); });
  }
  kind.addEventListener("change", mark);
  kind.addEventListener("keydown", function (event) {
    var n = parseInt(event.key, 10);
    if (n >= 1 && n <= kind.options.length) {
      kind.selectedIndex = n - 1;
      mark();
      event.preventDefault();
      topic.focus();
    }
  });
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName !== "TEXTAREA" && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  // On the workbench (compact form) focus stays where it is until Alt+D; on its own page the
  // cursor starts in the first field (or the first field in error).
  if (!form.dataset.compact) {
    var firstError = form.querySelector(".has-error input, .has-error select");
    (firstError || kind).focus();
  } else if (window.sessionStorage && sessionStorage.getItem("frontdesk-again")) {
    sessionStorage.removeItem("frontdesk-again");
    kind.focus();
  }
  form.addEventListener("submit", function () {
    if (window.sessionStorage) sessionStorage.setItem("frontdesk-again", "1");
  });
  document.addEventListener("keydown", function (event) {
    // Alt+D reaches the quick entry from anywhere on the page (the accesskey, made explicit).
    if (event.altKey && (event.key === "d" || event.key === "D")) {
      event.preventDefault();
      kind.focus();
    }
  });
  mark();
})();
