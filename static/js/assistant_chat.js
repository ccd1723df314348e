// "Test your assistant": the chat over the WebSocket served by dashboard/consumers_assistant.py.
// Every piece of text from the server or the user goes in through textContent, never innerHTML:
// the assistant repeats what callers say, so its replies are untrusted.
(function () {
  "use strict";
  var root = document.getElementById("assistant-chat");
  if (!root || !window.WebSocket) return;
  root.classList.remove("hidden");

  var T = JSON.parse(document.getElementById("chat-strings").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    mode: $("chat-mode"),
    settings: $("chat-settings"),
    live: $("chat-live"),
    brain: $("chat-brain"),
    phone: $("chat-phone"),
    now: $("chat-now"),
    status: $("chat-status"),
    transcript: $("chat-transcript"),
    empty: $("chat-empty"),
    form: $("chat-form"),
    input: $("chat-input"),
    send: $("chat-send"),
    reconnect: $("chat-reconnect"),
    cart: $("chat-cart"),
    total: $("chat-cart-total"),
    tools: $("chat-tools"),
  };
  var lang = document.documentElement.lang || "fr";
  var currency = root.dataset.currency || "EUR";

  var socket = null;
  var started = false; // a conversation is open (its greeting arrived)
  var ended = false;
  var waiting = false;
  var turn = 0;
  var lastSaid = "";
  // Replies still in flight for a conversation the user has just replaced are dropped.
  var currentSession = null;
  var staleSession = null;

  // --- rendering ---------------------------------------------------------------------------
  function clone(templateId) {
    return $(templateId).content.firstElementChild.cloneNode(true);
  }

  function slot(node, name) {
    return node.hasAttribute(name) ? node : node.querySelector("[" + name + "]");
  }

  function money(value) {
    var amount = parseFloat(value);
    if (isNaN(amount)) return String(value);
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(amount);
    } catch (e) {
      return amount.toFixed(2) + " " + currency;
    }
  }

  function appendToTranscript(node) {
    if (els.empty) els.empty.classList.add("hidden");
    var typing = els.transcript.querySelector("[data-typing]");
    els.transcript.insertBefore(node, typing);
    els.transcript.scrollTop = els.transcript.scrollHeight;
  }

  function bubble(templateId, who, text, meta) {
    var node = clone(templateId);
    slot(node, "data-who").textContent = who + " ";
    slot(node, "data-text").textContent = text;
    var metaSlot = slot(node, "data-meta");
    if (metaSlot) metaSlot.textContent = meta || "";
    appendToTranscript(node);
  }

  function notice(templateId, text) {
    var node = clone(templateId);
    slot(node, "data-text").textContent = text;
    appendToTranscript(node);
  }

  function setTyping(on) {
    var typing = els.transcript.querySelector("[data-typing]");
    if (on && !typing) {
      els.transcript.appendChild(clone("tpl-typing"));
      els.transcript.scrollTop = els.transcript.scrollHeight;
    } else if (!on && typing) {
      typing.remove();
    }
  }

  function setWaiting(on) {
    waiting = on;
    var open = socket && socket.readyState === WebSocket.OPEN;
    var canType = open && started && !ended && !waiting;
    els.input.disabled = !canType;
    els.send.disabled = !canType;
    setTyping(on);
    if (canType) els.input.focus();
  }

  function setMode(sandbox) {
    var on = sandbox ? els.mode.dataset.sandboxClass : els.mode.dataset.liveClass;
    var off = sandbox ? els.mode.dataset.liveClass : els.mode.dataset.sandboxClass;
    off.split(" ").forEach(function (c) { els.mode.classList.remove(c); });
    on.split(" ").forEach(function (c) { els.mode.classList.add(c); });
    els.mode.textContent = sandbox ? T.sandbox : T.live;
  }

  function renderCart(cart) {
    els.cart.replaceChildren();
    var lines = (cart && cart.lines) || [];
    if (!lines.length) {
      var empty = clone("tpl-cart-empty");
      slot(empty, "data-text").textContent = T.empty_cart;
      els.cart.appendChild(empty);
    }
    lines.forEach(function (line) {
      var node = clone("tpl-cart-line");
      slot(node, "data-name").textContent = line.quantity + " × " + line.name;
      slot(node, "data-options").textContent = (line.options || []).join(", ");
      slot(node, "data-total").textContent = money(line.line_total);
      els.cart.appendChild(node);
    });
    els.total.textContent = lines.length ? money(cart.total) : "—";
  }

  function renderTools(calls) {
    turn += 1;
    var node = clone("tpl-turn");
    slot(node, "data-title").textContent = T.turn + " " + turn + " · “" + lastSaid + "”";
    var list = slot(node, "data-calls");
    if (!calls.length) {
      var none = document.createElement("li");
      none.textContent = T.no_tools;
      list.appendChild(none);
    }
    calls.forEach(function (call) {
      var item = clone("tpl-call");
      var result = call.result || {};
      var status = slot(item, "data-status");
      var ok = result.ok === true;
      slot(item, "data-name").textContent = call.tool;
      status.textContent = ok ? T.ok : T.error + (result.error ? " · " + result.error : "");
      (ok ? item.dataset.okClass : item.dataset.errorClass).split(" ").forEach(function (c) {
        status.classList.add(c);
      });
      slot(item, "data-args").textContent = JSON.stringify(call.arguments || {}, null, 1);
      list.appendChild(item);
    });
    els.tools.appendChild(node);
    els.tools.scrollTop = els.tools.scrollHeight;
  }

  // --- protocol ----------------------------------------------------------------------------
  function sendJson(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function start() {
    staleSession = currentSession;
    currentSession = null;
    started = false;
    ended = false;
    turn = 0;
    els.transcript.querySelectorAll("li:not(#chat-empty)").forEach(function (li) { li.remove(); });
    if (els.empty) els.empty.classList.remove("hidden");
    els.tools.replaceChildren();
    renderCart(null);
    var live = !!(els.live && els.live.checked && !els.live.disabled);
    setMode(!live);
    // A live test runs on the real clock: the pretend time is for the sandbox only.
    els.now.disabled = live;
    var message = { type: "start", live: live, brain: els.brain.value, phone: els.phone.value.trim() };
    if (!live && els.now.value) message.now = els.now.value;
    if (sendJson(message)) {
      setWaiting(true);
    }
  }

  var handlers = {
    reply: function (msg) {
      if (msg.session && msg.session === staleSession) return;
      currentSession = msg.session;
      var meta = [msg.sandbox ? T.sandbox : T.live];
      if (msg.brain) meta.push(msg.brain);
      if (msg.latency_ms) meta.push(Math.round(msg.latency_ms) + " ms");
      bubble("tpl-assistant", T.assistant, msg.text, meta.join(" · "));
      if (started) renderTools(msg.tool_calls || []);
      started = true;
      renderCart(msg.cart);
      setMode(msg.sandbox);
      setWaiting(false);
    },
    ended: function (msg) {
      if (msg.session && msg.session === staleSession) return;
      ended = true;
      notice("tpl-info", msg.reason === "transfer" ? T.ended_transfer : T.ended_hangup);
      setWaiting(false);
    },
    error: function (msg) {
      notice("tpl-error", msg.message);
      setWaiting(false);
    },
  };

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    els.reconnect.classList.add("hidden");
    els.status.textContent = T.connecting;
    started = false;
    socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
    socket.addEventListener("open", function () {
      els.status.textContent = T.connected;
      start();
    });
    socket.addEventListener("message", function (event) {
      var msg;
      try {
        msg = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      var handle = handlers[msg.type];
      if (handle) handle(msg);
    });
    socket.addEventListener("close", function (event) {
      var refused = event.code === 4403 || event.code === 4404;
      els.status.textContent = T.closed;
      notice("tpl-error", refused ? T.refused : T.closed);
      setWaiting(false);
      els.reconnect.classList.remove("hidden");
    });
  }

  // --- controls ----------------------------------------------------------------------------
  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = els.input.value.trim();
    if (!text || waiting || !started || ended) return;
    if (!sendJson({ type: "say", text: text })) return;
    lastSaid = text;
    bubble("tpl-caller", T.you, text, "");
    els.input.value = "";
    setWaiting(true);
  });

  els.settings.addEventListener("submit", function (event) {
    event.preventDefault();
    start();
  });
  [els.live, els.brain, els.now].forEach(function (control) {
    if (control) control.addEventListener("change", start);
  });
  els.reconnect.addEventListener("click", connect);

  connect();
})();
