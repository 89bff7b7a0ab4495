/* Rating forms: show the reason tags of the chosen level only (without JS every tag shows). */
(function () {
  "use strict";
  var form = document.querySelector(".rating-form");
  if (!form) return;
  function sync() {
    var checked = form.querySelector("input[name=level]:checked");
    var level = checked ? checked.value : "";
    form.querySelectorAll("[data-tags-for]").forEach(function (group) {
      group.hidden = group.dataset.tagsFor !== level;
      if (group.hidden) group.querySelectorAll("input").forEach(function (i) { i.checked = false; });
    });
  }
  form.querySelectorAll("input[name=level]").forEach(function (i) { i.addEventListener("change", sync); });
  sync();
})();
