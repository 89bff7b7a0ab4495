/* The window evaluator tablet (窗口评价器): poll for a finished service, pop the rating, submit it.
   A 差评 (不满意/非常不满意) needs at least one reason tag; after the idle time the service is
   recorded as not evaluated. No framework: the tablet's browser may be old. */
(function () {
  "use strict";
  var root = document.querySelector(".evaluator");
  if (!root) return;
  var BAD = ["dissatisfied", "very_dissatisfied"];
  var idleMs = (parseInt(root.dataset.idleSeconds, 10) || 90) * 1000;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var state = { service: null, level: "", tags: [], timer: null, busy: false };

  function show(view) {
    root.querySelectorAll("[data-view]").forEach(function (el) { el.hidden = el.dataset.view !== view; });
  }
  function error(message) {
    var box = root.querySelector("[data-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }
  function reset() {
    state.level = ""; state.tags = [];
    root.querySelectorAll("[aria-pressed]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    root.querySelector("[data-tags]").hidden = true;
    root.querySelector("[data-phone]").value = "";
    root.querySelector("[data-submit]").disabled = true;
    error("");
  }
  function pop(service) {
    state.service = service;
    reset();
    root.querySelector("[data-field=ticket]").textContent = service.ticket;
    if (service.clerk) root.querySelector("[data-field=clerk]").textContent = service.clerk;
    show("rate");
    clearTimeout(state.timer);
    state.timer = setTimeout(function () {
      post(root.dataset.skipUrl, { service: service.id });
      state.service = null; show("idle");
    }, idleMs);
  }
  function refreshSubmit() {
    var bad = BAD.indexOf(state.level) >= 0;
    root.querySelector("[data-submit]").disabled = !state.level || (bad && state.tags.length === 0);
  }
  root.querySelectorAll("[data-level]").forEach(function (button) {
    button.addEventListener("click", function () {
      state.level = button.dataset.level; state.tags = [];
      root.querySelectorAll("[data-level]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      root.querySelectorAll("[data-tag]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      root.querySelector("[data-tags]").hidden = false;
      root.querySelectorAll("[data-tags-for]").forEach(function (g) { g.hidden = g.dataset.tagsFor !== state.level; });
      refreshSubmit();
    });
  });
  root.querySelectorAll("[data-tag]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = parseInt(button.dataset.tag, 10);
      var at = state.tags.indexOf(id);
      if (at >= 0) state.tags.splice(at, 1); else state.tags.push(id);
      button.setAttribute("aria-pressed", String(at < 0));
      refreshSubmit();
    });
  });
  root.querySelector("[data-submit]").addEventListener("click", function () {
    if (!state.service || state.busy) return;
    state.busy = true;
    post(root.dataset.submitUrl, {
      service: state.service.id, level: state.level, tags: state.tags,
      phone: root.querySelector("[data-phone]").value.trim()
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      state.busy = false;
      if (result.status === 201 || result.status === 409) {
        clearTimeout(state.timer); state.service = null; show("thanks");
        setTimeout(function () { show("idle"); }, 3000);
        return;
      }
      var errors = result.data.errors || {};
      var first = Object.keys(errors)[0];
      error(first ? errors[first][0] : (result.data.detail || "提交失败，请重试。"));
    }).catch(function () { state.busy = false; error("网络异常，请重试。"); });
  });
  function poll() {
    if (state.service) return;
    fetch(root.dataset.pendingUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.service && !state.service) pop(data.service); })
      .catch(function () {});
  }
  setInterval(poll, 2000);
  poll();
})();
