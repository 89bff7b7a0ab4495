/* Application pages: applicant type toggle, destructive confirmations, keyboard shortcuts. */
(function () {
  "use strict";

  function syncApplicantType(root) {
    var fieldset = (root || document).querySelector("[data-applicant-fields]");
    if (!fieldset) return;
    var checked = fieldset.querySelector("input[name='applicant_type']:checked");
    var type = checked ? checked.value : "natural";
    fieldset.querySelectorAll("[data-applicant]").forEach(function (group) {
      group.hidden = group.getAttribute("data-applicant") !== type;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "applicant_type") syncApplicantType(document);
  });

  // Destructive actions (不予受理, 撤回, 撤销) ask once more before the form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // The lookup field submits the lookup (not the intake form) on Enter.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "lookup") {
      event.preventDefault();
      var button = document.getElementById("lookup-button");
      if (button) button.click();
    }
    if (event.altKey && (event.key === "s" || event.key === "S")) {
      var form = document.querySelector("form.intake-form, form.action-form");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () { syncApplicantType(document); });
  document.addEventListener("htmx:afterSwap", function () { syncApplicantType(document); });
})();
