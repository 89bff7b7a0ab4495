/* Report pages: ECharts from the JSON each page embeds, re-drawn after every htmx refresh;
   the progress bar of an annual export. */
(function () {
  "use strict";
  var charts = [];

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) return null;
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function num(v) { return v === null || v === undefined ? null : Number(v); }

  function option(el, d) {
    var kind = el.getAttribute("data-chart");
    var unit = el.getAttribute("data-unit") || "";
    if (kind === "zones") {
      return {
        grid: { left: 110, right: 20, top: 10, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: d.map(function (r) { return r.zone; }) },
        series: [{ type: "bar", name: "等候人数", data: d.map(function (r) { return r.count; }), label: { show: true, position: "right" } }],
        tooltip: {}
      };
    }
    if (kind === "trend") {
      return {
        legend: { top: 0 }, tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value" },
        series: [
          { type: "line", name: "本年接件", data: d.received.map(num), smooth: true },
          { type: "line", name: "上年接件", data: d.received_last.map(num), smooth: true, lineStyle: { type: "dashed" } },
          { type: "bar", name: "本年办结", data: d.completed.map(num) }
        ]
      };
    }
    if (kind === "pie") {
      return {
        tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: d.map(function (r) { return { name: r.name, value: num(r.value) }; }) }]
      };
    }
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + unit; } },
      // containLabel: long department names take the room they need (up to 12 characters, then "…").
      grid: { left: 8, right: 40, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", max: unit === "%" ? 100 : null },
      yAxis: {
        type: "category", data: d.map(function (r) { return r.name; }), inverse: true,
        axisLabel: { width: 168, overflow: "truncate" }
      },
      series: [{ type: "bar", data: d.map(function (r) { return num(r.value); }), label: { show: true, position: "right" } }]
    };
  }

  function draw(root) {
    if (!window.echarts) return;
    charts.forEach(function (c) { if (!document.body.contains(c.getDom())) c.dispose(); });
    charts = charts.filter(function (c) { return !c.isDisposed(); });
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el);
      if (!d) return;
      var existing = window.echarts.getInstanceByDom(el);
      if (existing) existing.dispose();
      // SVG: sharp on the big screen and in print; the big screen's dark background takes the dark theme.
      var dark = document.body.classList.contains("cockpit-screen");
      var chart = window.echarts.init(el, dark ? "dark" : null, { renderer: "svg" });
      var opts = option(el, d);
      if (dark) opts.backgroundColor = "transparent";
      chart.setOption(opts);
      var link = el.getAttribute("data-link");
      if (link) {
        chart.on("click", function (p) {
          var row = d[p.dataIndex];
          if (row && row.key) window.location.href = link + encodeURIComponent(row.key);
        });
      }
      charts.push(chart);
    });
  }

  function watchExport(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    var link = box.querySelector("[data-download]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.progress;
          text.textContent = s.status_label + " " + s.progress + "%" + (s.stage ? "（" + s.stage + "）" : "") + (s.error ? "：" + s.error : "");
          if (s.status === "done" && s.download) {
            link.href = s.download;
            link.hidden = false;
          } else if (s.status !== "failed") {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    document.querySelectorAll("[data-export-job]").forEach(watchExport);
    var full = document.querySelector("[data-fullscreen]");
    if (full && document.documentElement.requestFullscreen) {
      full.addEventListener("click", function () { document.documentElement.requestFullscreen().catch(function () {}); });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
