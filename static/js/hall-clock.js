/*
 * The hall's clock (大厅时间) for the board, the kiosk and the ticket page: the server's time in
 * the hall's time zone, never the screen's own clock or time zone.
 *
 * Every element with data-hall-clock is updated each second. The page is rendered with the
 * server's time (data-server-ms on <html> or the element, milliseconds since the epoch); the
 * difference to the browser's clock is kept as an offset, and every poll that returns
 * server_ms refines it (window.hallClock.sync), correcting for half the round trip. The time zone
 * comes from data-time-zone (the server's TIME_ZONE, Asia/Shanghai), so a screen set to another
 * zone or a wrong time still shows the hall's time.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  var zone = root.getAttribute("data-time-zone") || "Asia/Shanghai";
  var offset = 0; // server time − browser time, in ms
  var rendered = Number(root.getAttribute("data-server-ms"));
  if (rendered) {
    // Stamped while the page was rendered, moments before it arrived. Half the request's duration
    // is no estimate of the transit: under load it is mostly the server's own processing time,
    // which happened before the stamp, so adding it put the clock ahead. The first poll refines it.
    offset = rendered - Date.now();
  }

  var parts;
  try {
    parts = new Intl.DateTimeFormat("zh-CN", {
      timeZone: zone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  } catch (error) {
    parts = null; // a browser without time-zone data: fall back to UTC+8 arithmetic below
  }

  function fields(ms) {
    if (parts) {
      var out = {};
      parts.formatToParts(new Date(ms)).forEach(function (p) {
        out[p.type] = p.value;
      });
      return out;
    }
    var d = new Date(ms + 8 * 3600 * 1000);
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return {
      year: String(d.getUTCFullYear()),
      month: String(d.getUTCMonth() + 1),
      day: String(d.getUTCDate()),
      hour: pad(d.getUTCHours()),
      minute: pad(d.getUTCMinutes()),
      second: pad(d.getUTCSeconds()),
    };
  }

  function now() {
    return Date.now() + offset;
  }

  function render() {
    var f = fields(now());
    var nodes = document.querySelectorAll("[data-hall-clock]");
    for (var i = 0; i < nodes.length; i++) {
      var format = nodes[i].getAttribute("data-hall-clock");
      var date = f.year + "年" + Number(f.month) + "月" + Number(f.day) + "日";
      var time = f.hour + ":" + f.minute + (format === "minutes" ? "" : ":" + f.second);
      nodes[i].textContent = format === "time" ? time : date + " " + time;
      nodes[i].setAttribute("datetime", new Date(now()).toISOString());
    }
  }

  window.hallClock = {
    /* serverMs: the server's time in a response; sentAt / receivedAt: Date.now() around the request. */
    sync: function (serverMs, sentAt, receivedAt) {
      if (!serverMs) {
        return;
      }
      var received = receivedAt || Date.now();
      var half = sentAt ? (received - sentAt) / 2 : 0;
      offset = serverMs + half - received;
    },
    now: now,
    offset: function () {
      return offset;
    },
  };

  function start() {
    render();
    window.setInterval(render, 1000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
