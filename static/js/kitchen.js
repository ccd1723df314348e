// The kitchen board: tickets move between columns live. The server renders every card; this
// script only places them (from the socket, or from the answer to a click), ticks the clocks
// (amber after 10 minutes of waiting, red after 20), rings and flashes for a new ticket, and
// handles the mute and full-screen buttons.
(function () {
  "use strict";
  var board = document.getElementById("kitchen-board");
  if (!board) return;
  var strings = JSON.parse(document.getElementById("board-strings").textContent);
  var statusLine = document.getElementById("board-status");
  var socket = null;
  var retryDelay = 1000;
  var stopped = false;
  var LATE = 10, VERY_LATE = 20;  // minutes since the order was placed
  var MUTED_KEY = "kalliky.kitchen.muted";

  function say(text) { statusLine.textContent = text; }

  // --- sound: a short two-note chime made on the spot (no file to load) ---------------------
  // Browsers keep audio locked until the page gets one click or key: the note says so and goes
  // away once the first gesture unlocked it.
  var muteButton = document.getElementById("board-mute");
  var soundNote = document.getElementById("sound-note");
  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var audio = null;

  function muted() {
    try { return window.localStorage.getItem(MUTED_KEY) === "1"; } catch (e) { return false; }
  }

  function unlocked() { return audio !== null && audio.state === "running"; }

  function showSoundState() {
    var isMuted = muted();
    // The label says what a press will do (no aria-pressed: its name changes instead).
    muteButton.dataset.muted = isMuted ? "1" : "0";
    muteButton.textContent = isMuted ? strings.unmute : strings.mute;
    soundNote.classList.toggle("hidden", !AudioCtx || isMuted || unlocked());
    board.dataset.sound = isMuted ? "muted" : (unlocked() ? "on" : "locked");
  }

  function unlock() {
    if (!AudioCtx) return;
    if (audio === null) audio = new AudioCtx();
    var done = function () {
      if (unlocked()) {
        document.removeEventListener("click", unlock, true);
        document.removeEventListener("keydown", unlock, true);
      }
      showSoundState();
    };
    if (audio.state === "suspended") audio.resume().then(done, done);
    else done();
  }

  function chime() {
    if (muted() || !unlocked()) return;
    var start = audio.currentTime;
    [880, 1318.5].forEach(function (frequency, n) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      var at = start + n * 0.18;
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.17);
    });
    board.dataset.chimes = String(Number(board.dataset.chimes || 0) + 1);
  }

  muteButton.addEventListener("click", function () {
    try { window.localStorage.setItem(MUTED_KEY, muted() ? "0" : "1"); } catch (e) { /* private mode */ }
    showSoundState();
  });
  // On click, not pointerdown: the note goes away after the click landed, never under the finger
  // (hiding it on pointerdown moved the board up between press and release, and the click missed).
  document.addEventListener("click", unlock, true);
  document.addEventListener("keydown", unlock, true);

  // --- full screen: the board alone on the kitchen's screen ---------------------------------
  var screenBox = document.getElementById("kitchen-screen");
  var fullButton = document.getElementById("board-fullscreen");
  var refusedNote = document.getElementById("fullscreen-refused");

  function showFullscreen() {
    fullButton.textContent = document.fullscreenElement ? strings.exit_fullscreen : strings.fullscreen;
  }

  fullButton.addEventListener("click", function () {
    refusedNote.classList.add("hidden");
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    var refused = function () { refusedNote.classList.remove("hidden"); };
    if (!screenBox.requestFullscreen || document.fullscreenEnabled === false) { refused(); return; }
    try {
      var asked = screenBox.requestFullscreen();
      if (asked && asked.catch) asked.catch(refused);
    } catch (e) { refused(); }
  });
  document.addEventListener("fullscreenchange", showFullscreen);
  document.addEventListener("fullscreenerror", function () { refusedNote.classList.remove("hidden"); });

  function column(status) { return board.querySelector('[data-column="' + status + '"]'); }

  function refreshCounts() {
    board.querySelectorAll("[data-column]").forEach(function (col) {
      var n = col.querySelectorAll("[data-tickets] > article").length;
      col.querySelector("[data-count]").textContent = String(n);
      col.querySelector("[data-empty]").classList.toggle("hidden", n > 0);
    });
  }

  function before(a, b) {
    // Urgent first, then oldest first: the order the cook should take them in.
    var pa = Number(a.dataset.priority), pb = Number(b.dataset.priority);
    if (pa !== pb) return pa > pb;
    return a.dataset.created < b.dataset.created;
  }

  function place(message, live) {
    var old = board.querySelector('article[data-order-id="' + message.order_id + '"]');
    var hadFocus = old && old.contains(document.activeElement);
    if (old) old.remove();
    var col = column(message.status);
    if (message.html && col) {
      var holder = document.createElement("div");
      holder.innerHTML = message.html.trim();
      var card = holder.firstElementChild;
      var list = col.querySelector("[data-tickets]");
      var next = Array.prototype.find.call(list.children, function (other) { return before(card, other); });
      list.insertBefore(card, next || null);
      tick(card);
      if (live && !old) {
        // A ticket the board had not seen: flash it and ring once.
        card.classList.add("ticket-new");
        setTimeout(function () { card.classList.remove("ticket-new"); }, 10000);
        chime();
      }
      if (hadFocus) {
        // Keep the keyboard where it was: on the moved ticket's first button.
        var button = card.querySelector("button");
        if (button) button.focus();
      }
    }
    refreshCounts();
  }

  function tick(scope) {
    var now = Date.now();
    var cards = scope && scope.matches && scope.matches("article") ? [scope] : (scope || board).querySelectorAll("article[data-created]");
    Array.prototype.forEach.call(cards, function (card) {
      var placed = Date.parse(card.dataset.created);
      if (isNaN(placed)) return;
      var minutes = Math.max(0, Math.floor((now - placed) / 60000));
      // The minutes are written out too: the colour is never the only signal.
      card.querySelector("[data-elapsed]").textContent = strings.waited.replace("%s", minutes);
      card.dataset.wait = minutes > VERY_LATE ? "very-late" : (minutes > LATE ? "late" : "");
    });
  }

  board.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-ticket-form]");
    if (!form) return;
    event.preventDefault();
    // Cards that arrived over the socket were rendered without a request, so without a CSRF
    // token: the page's own token goes in before sending.
    if (!form.querySelector("input[name=csrfmiddlewaretoken]")) {
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = board.dataset.csrf;
      form.appendChild(token);
    }
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (result.ok) place(result.body);
        else { say(result.body.detail); button.disabled = false; }
      })
      .catch(function () { form.submit(); });  // no script path left: the plain form still works
  });

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + board.dataset.wsPath);
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "ready") { say(strings.live); retryDelay = 1000; board.dataset.live = "1"; }
      if (message.type === "ticket") place(message, true);
    };
    socket.onclose = function (event) {
      board.dataset.live = "0";
      if (event.code === 4403 || event.code === 4404) { stopped = true; say(strings.refused); return; }
      if (stopped) return;
      say(strings.reconnecting);
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
  }, 25000);
  setInterval(tick, 30000);
  tick();
  showSoundState();
  connect();
})();
