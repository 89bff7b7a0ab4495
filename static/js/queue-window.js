/*
 * The clerk's calling console (叫号台): single-key shortcuts for the panel's buttons
 * (N 叫号, R 重呼, S 开始办理, F 办结, G 过号, P 暂停/恢复). Keys typed into a form field are ignored.
 */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "select" || tag === "textarea" || (target && target.isContentEditable)) {
      return;
    }
    var key = (event.key || "").toLowerCase();
    var button = document.querySelector('#call-panel button[data-shortcut="' + key + '"]:not([disabled])');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
