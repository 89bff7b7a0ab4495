/*
 * Small helpers shared by every page (no framework, no network access):
 * - mark that JavaScript runs (lets CSS collapse the phone navigation);
 * - the 菜单 button that opens and closes the navigation on phones;
 * - confirm() before submitting forms that carry data-confirm="...";
 * - ECharts pies declared with data-pie-source="<json_script id>".
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setupNavToggle() {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!toggle) {
      return;
    }
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!nav) {
      return;
    }
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Forms with data-confirm ask before they are submitted (e.g. 全部标为已读).
  function setupConfirm() {
    document.addEventListener(
      "submit",
      function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement)) {
          return;
        }
        var question = form.getAttribute("data-confirm");
        if (question && !window.confirm(question)) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      },
      true
    );
  }

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  // Pie charts: <div class="chart" data-pie-source="json-id" data-pie-labels='{"open":"开放",...}'
  //   data-pie-colors='{"open":"#1e7b46",...}' data-pie-name="窗口状态"></div>
  function setupPies() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var nodes = document.querySelectorAll("[data-pie-source]");
    Array.prototype.forEach.call(nodes, function (node) {
      var values = readJson(node.getAttribute("data-pie-source")) || {};
      var labels = JSON.parse(node.getAttribute("data-pie-labels") || "{}");
      var colors = JSON.parse(node.getAttribute("data-pie-colors") || "{}");
      var data = Object.keys(labels).map(function (key) {
        return { name: labels[key], value: values[key] || 0, itemStyle: { color: colors[key] } };
      });
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: "{b}：{c} 个（{d}%）" },
        legend: { bottom: 0, left: "center", itemGap: 16 },
        series: [
          {
            name: node.getAttribute("data-pie-name") || "",
            type: "pie",
            radius: ["42%", "70%"],
            center: ["50%", "45%"],
            avoidLabelOverlap: true,
            label: { formatter: "{b} {c}" },
            data: data,
          },
        ],
      });
      window.addEventListener("resize", function () {
        chart.resize();
      });
    });
  }

  function init() {
    setupNavToggle();
    setupPies();
  }

  setupConfirm();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
