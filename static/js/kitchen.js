// The kitchen board: tickets move between columns live. The server renders every card; this
// script only places them (from the socket, or from the answer to a click) and ticks the clocks.
(function () {
  "use strict";
  var board = document.getElementById("kitchen-board");
  if (!board) return;
  var strings = JSON.parse(document.getElementById("board-strings").textContent);
  var statusLine = document.getElementById("board-status");
  var socket = null;
  var retryDelay = 1000;
  var stopped = false;

  function say(text) { statusLine.textContent = text; }

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

  function place(message) {
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
    (scope || board).querySelectorAll("article[data-created]").forEach(function (card) {
      var minutes = Math.max(0, Math.floor((now - Date.parse(card.dataset.created)) / 60000));
      card.querySelector("[data-elapsed]").textContent = minutes + " " + strings.minutes;
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
      if (message.type === "ticket") place(message);
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
  connect();
})();
