/*
 * The ticket page (排队小票): prints itself when opened from the kiosk (?print=1) and, on a
 * phone, follows the ticket's position by polling its state every 10 seconds.
 */
(function () {
  "use strict";

  function setField(root, name, value) {
    var node = root.querySelector('[data-field="' + name + '"]');
    if (node && value !== undefined && value !== null) {
      node.textContent = String(value);
    }
  }

  function init() {
    var root = document.querySelector(".ticket");
    if (!root) {
      return;
    }
    var button = document.querySelector("[data-print-button]");
    if (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    }
    if (root.getAttribute("data-print") === "1") {
      // Let the QR code render first; the kiosk then returns to its start page.
      window.setTimeout(function () {
        window.print();
      }, 300);
      return;
    }
    var url = root.getAttribute("data-state-url");
    function poll() {
      var sentAt = Date.now();
      fetch(url, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data) {
            return;
          }
          if (window.hallClock) {
            window.hallClock.sync(data.server_ms, sentAt, Date.now());
          }
          setField(root, "status_display", data.status_display);
          setField(root, "ahead", data.ahead);
          setField(root, "estimated_minutes", data.estimated_minutes);
          var called = root.querySelector('[data-field="called"]');
          if (called) {
            called.hidden = !data.window_number;
            setField(root, "window_number", data.window_number);
          }
        })
        .catch(function () {})
        .then(function () {
          window.setTimeout(poll, 10000);
        });
    }
    window.setTimeout(poll, 10000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
