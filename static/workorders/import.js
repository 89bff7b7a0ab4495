// Hotline import progress (导入进度): polls the job's JSON until it is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var state = box.dataset.state;
  if (state === "done" || state === "failed") return;
  var bar = document.getElementById("import-bar");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("import-state").textContent = p.state_display;
        document.getElementById("import-phase").textContent = p.phase;
        bar.max = Math.max(p.total || p.done || 1, 1);
        bar.value = p.done;
        if (p.state === "done" || p.state === "failed") { window.location.reload(); return; }
        document.getElementById("import-summary").textContent = "已处理 " + p.done + " 行…";
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
