// Front-desk quick entry (前台快速登记): keyboard only. Digits 1–9 in the first field pick the kind,
// Enter in any field saves; after saving the page reloads with the cursor in the first field.
(function () {
  "use strict";
  var form = document.getElementById("frontdesk-form");
  if (!form) return;
  var kind = form.querySelector("[name=kind]");
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
  var firstError = form.querySelector(".has-error input, .has-error select");
  (firstError || kind).focus();
  mark();
})();
