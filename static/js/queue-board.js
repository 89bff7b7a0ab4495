/*
 * The display board (叫号大屏): polls the board state every second, shows the latest calls, and
 * announces each new call with a chime and Chinese speech ("请 A012 号到 3 号窗口办理").
 * Announcements wait in a queue so one never cuts off another. When the network or the server
 * drops, it keeps retrying with a growing delay (up to 15 s) and catches up by itself.
 * No framework, no network access beyond this site.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_BACKOFF_MS = 15000;
  var MAX_PENDING = 6; // after a long outage, announce only the latest calls
  var DIGITS = "零一二三四五六七八九";

  var body = document.body;
  var stateUrl = body.getAttribute("data-state-url");
  var chimeUrl = body.getAttribute("data-chime-url");
  var initial = JSON.parse(document.getElementById("board-initial").textContent || "{}");
  var lastId = initial.last_call_id || 0;
  var failures = 0;
  var pending = [];
  var speaking = false;
  var soundOn = false;
  var chime = chimeUrl ? new Audio(chimeUrl) : null;

  function el(selector) {
    return document.querySelector(selector);
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) {
      node.className = className;
    }
    return node;
  }

  function spokenNumber(number) {
    // "A012" is read letter by letter and digit by digit: "A 零一二".
    return number.replace(/\d/g, function (d) {
      return DIGITS.charAt(Number(d));
    });
  }

  function showLatest(call) {
    var box = el("[data-board-latest]");
    box.textContent = "";
    box.appendChild(text("span", call.number, "board-number"));
    box.appendChild(text("span", "请到", "board-arrow"));
    box.appendChild(text("span", String(call.window_number), "board-window"));
    box.appendChild(text("span", "号窗口", "board-unit"));
    box.classList.remove("is-flashing");
    void box.offsetWidth; // restart the CSS animation
    box.classList.add("is-flashing");
  }

  function render(state) {
    var rows = el("[data-board-calls]");
    rows.textContent = "";
    (state.calls || []).forEach(function (call) {
      var tr = document.createElement("tr");
      tr.appendChild(text("td", call.number, "board-cell-number"));
      tr.appendChild(text("td", call.window_number + " 号窗口"));
      tr.appendChild(text("td", call.zone));
      rows.appendChild(tr);
    });
    var zones = el("[data-board-zones]");
    zones.textContent = "";
    (state.zones || []).forEach(function (zone) {
      var li = document.createElement("li");
      li.appendChild(text("span", zone.name));
      li.appendChild(text("strong", String(zone.waiting)));
      zones.appendChild(li);
    });
  }

  function playChime() {
    return new Promise(function (resolve) {
      if (!soundOn || !chime) {
        resolve();
        return;
      }
      var done = false;
      function finish() {
        if (!done) {
          done = true;
          resolve();
        }
      }
      chime.currentTime = 0;
      chime.onended = finish;
      window.setTimeout(finish, 2000);
      var played = chime.play();
      if (played && played.catch) {
        played.catch(finish);
      }
    });
  }

  function speak(sentence) {
    return new Promise(function (resolve) {
      if (!soundOn || !("speechSynthesis" in window)) {
        window.setTimeout(resolve, 2500); // keep the same pace on screen without sound
        return;
      }
      var done = false;
      function finish() {
        if (!done) {
          done = true;
          resolve();
        }
      }
      var utterance = new SpeechSynthesisUtterance(sentence);
      utterance.lang = "zh-CN";
      utterance.rate = 0.85;
      var voices = window.speechSynthesis.getVoices() || [];
      for (var i = 0; i < voices.length; i++) {
        if (/^zh(-|_)?CN/i.test(voices[i].lang)) {
          utterance.voice = voices[i];
          break;
        }
      }
      utterance.onend = finish;
      utterance.onerror = finish;
      window.setTimeout(finish, 12000); // some engines never fire onend
      window.speechSynthesis.speak(utterance);
    });
  }

  function nextAnnouncement() {
    if (speaking || pending.length === 0) {
      return;
    }
    speaking = true;
    var call = pending.shift();
    showLatest(call);
    var sentence = "请 " + spokenNumber(call.number) + " 号到 " + call.window_number + " 号窗口办理";
    playChime()
      .then(function () {
        return speak(sentence);
      })
      .then(function () {
        speaking = false;
        nextAnnouncement();
      });
  }

  function enqueueNew(calls) {
    var fresh = (calls || [])
      .filter(function (call) {
        return call.id > lastId;
      })
      .sort(function (a, b) {
        return a.id - b.id;
      });
    fresh.forEach(function (call) {
      pending.push(call);
      lastId = Math.max(lastId, call.id);
    });
    while (pending.length > MAX_PENDING) {
      pending.shift();
    }
    nextAnnouncement();
  }

  function setOffline(offline) {
    el("[data-board-offline]").hidden = !offline;
  }

  function poll() {
    var sentAt = Date.now();
    var controller = "AbortController" in window ? new AbortController() : null;
    var timeout = window.setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, 5000);
    fetch(stateUrl, { cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (window.hallClock) {
          window.hallClock.sync(state.server_ms, sentAt, Date.now());
        }
        failures = 0;
        setOffline(false);
        render(state);
        enqueueNew(state.calls);
        return POLL_MS;
      })
      .catch(function () {
        failures += 1;
        setOffline(true);
        return Math.min(MAX_BACKOFF_MS, POLL_MS * Math.pow(2, failures));
      })
      .then(function (delay) {
        window.clearTimeout(timeout);
        window.setTimeout(poll, delay);
      });
  }

  var soundButton = el("[data-board-sound]");
  soundButton.addEventListener("click", function () {
    // Browsers allow sound only after a gesture: one tap when the TV is switched on.
    soundOn = true;
    soundButton.hidden = true;
    if ("speechSynthesis" in window) {
      window.speechSynthesis.getVoices();
    }
    if (chime) {
      chime.load();
    }
  });

  window.setTimeout(poll, POLL_MS);
})();
