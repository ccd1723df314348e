// Menu import: send the file to /api/ai/menu-upload, follow its reading on
// /api/ai/upload-status/{id} every 500 ms, show the rows for review, post them to
// /api/ai/process-menu. What comes from the file goes in through value and textContent, never
// innerHTML: a menu is untrusted text.
(function () {
  "use strict";
  var root = document.getElementById("menu-import");
  if (!root || !window.fetch || !window.FormData) return;
  root.classList.remove("hidden");

  var $ = function (id) { return document.getElementById(id); };
  var T = JSON.parse($("menu-strings").textContent);
  var C = JSON.parse($("menu-config").textContent);
  var els = {
    form: $("menu-upload-form"),
    file: $("menu-file"),
    uploadBtn: $("menu-upload-btn"),
    status: $("menu-status"),
    progress: $("menu-progress"),
    bar: $("menu-progress-bar"),
    error: $("menu-error"),
    empty: $("menu-empty"),
    reviewWrap: $("menu-review-wrap"),
    rows: $("menu-rows"),
    importBtn: $("menu-import-btn"),
    result: $("menu-result"),
    leftovers: $("menu-leftovers"),
    leftoversAll: $("menu-leftovers-all"),
    leftoversList: $("menu-leftovers-list"),
  };
  var csrf = els.form.querySelector("[name=csrfmiddlewaretoken]").value;
  var lang = document.documentElement.lang || "fr";
  var POLL_MS = 500;
  var STALL_MS = 120000; // no progress for this long: say so, and keep polling

  var uploadId = null;
  var found = []; // the rows as read, for what the table does not show (sizes)
  var lastProgress = -1;
  var lastChange = 0;

  // --- helpers ---------------------------------------------------------------------------------
  function fmt(text, values) {
    // The server's strings use Python's %(name)s placeholders, like every other translation.
    return text.replace(/%\((\w+)\)s/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function show(el, visible) {
    el.classList.toggle("hidden", !visible);
  }

  function setError(text) {
    els.error.textContent = text || "";
    show(els.error, Boolean(text));
  }

  function setStatus(text) {
    els.status.textContent = text || "";
  }

  function setProgress(percent) {
    show(els.progress, true);
    els.progress.setAttribute("aria-valuenow", String(percent));
    els.progress.setAttribute("aria-valuetext", percent + " %");
    els.bar.style.width = percent + "%";
  }

  function setBusy(on) {
    els.uploadBtn.disabled = on;
    els.file.disabled = on;
  }

  function money(value) {
    var amount = parseFloat(value);
    if (isNaN(amount)) return String(value);
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: C.currency }).format(amount);
    } catch (e) {
      return amount.toFixed(2) + " " + C.currency;
    }
  }

  function request(url, options) {
    // Resolves to {status, body}; a body that is not JSON (a proxy's error page) is {}.
    var init = Object.assign({ credentials: "same-origin" }, options || {});
    init.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": csrf }, init.headers || {});
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function fail(text) {
    setBusy(false);
    show(els.progress, false);
    setStatus("");
    setError(text);
  }

  // --- upload and progress -------------------------------------------------------------------
  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    setError("");
    var file = els.file.files[0];
    if (!file) {
      setError(T.choose);
      els.file.focus();
      return;
    }
    if (file.size > C.maxBytes) {
      setError(T.too_large);
      return;
    }
    resetReview();
    var data = new FormData();
    data.append("store_id", String(C.storeId));
    data.append("file", file);
    setBusy(true);
    setStatus(T.sending);
    setProgress(0);
    request(C.uploadUrl, { method: "POST", body: data })
      .then(function (res) {
        if (res.status !== 202) {
          fail(res.body.detail || T.failed);
          return;
        }
        uploadId = res.body.id;
        lastProgress = -1;
        follow(res.body);
      })
      .catch(function () { fail(T.network); });
  });

  function follow(upload) {
    if (upload.progress !== lastProgress) {
      lastProgress = upload.progress;
      lastChange = Date.now();
    }
    setProgress(upload.progress);
    if (upload.status === "done") {
      setBusy(false);
      setStatus(fmt(T.read, { count: upload.rows.length }));
      review(upload.rows);
      offerLeftovers(upload.template_leftovers || []);
      return;
    }
    if (upload.status === "failed" || upload.status === "imported") {
      fail(upload.error || T.failed);
      return;
    }
    setStatus(Date.now() - lastChange > STALL_MS ? T.stalled : upload.status === "queued" ? T.queued : T.reading);
    window.setTimeout(poll, POLL_MS);
  }

  function poll() {
    request(C.statusUrl + uploadId)
      .then(function (res) {
        if (res.status !== 200) {
          fail(res.body.detail || T.failed);
          return;
        }
        follow(res.body);
      })
      .catch(function () {
        // A network blip: say so and try again a little later; the reading goes on meanwhile.
        setStatus(T.network);
        window.setTimeout(poll, POLL_MS * 4);
      });
  }

  // --- review --------------------------------------------------------------------------------
  function field(node, name) {
    return node.querySelector("[data-field=" + name + "]");
  }

  function slot(node, name) {
    return node.querySelector("[" + name + "]");
  }

  function resetReview() {
    found = [];
    show(els.leftovers, false);
    els.rows.textContent = "";
    show(els.reviewWrap, false);
    show(els.result, false);
    show(els.empty, true);
  }

  function review(rows) {
    found = rows;
    els.rows.textContent = "";
    rows.forEach(function (row, index) { els.rows.appendChild(rowNode(row, index)); });
    show(els.empty, false);
    show(els.reviewWrap, true);
    updateCount();
  }

  function rowNode(row, index) {
    var node = $("tpl-menu-row").content.firstElementChild.cloneNode(true);
    var number = { row: index + 1 };
    node.dataset.index = String(index);
    ["category", "name", "description", "price"].forEach(function (name) {
      var input = field(node, name);
      input.value = row[name] || "";
      input.setAttribute("aria-label", fmt(T[name + "_label"], number));
    });
    var action = field(node, "action");
    action.setAttribute("aria-label", fmt(T.action_label, number));
    if (row.match) {
      node.dataset.productId = String(row.match.product_id);
      slot(node, "data-match").textContent = fmt(T.matches, { name: row.match.name, price: money(row.match.price) });
      action.value = "update";
    } else {
      action.querySelector("option[value=update]").disabled = true;
      slot(node, "data-match").textContent = T.no_match;
      action.value = row.price ? "create" : "skip";
    }
    if (row.variations && row.variations.length) {
      var sizes = row.variations.map(function (size) { return size.name + " " + money(size.price); });
      slot(node, "data-sizes").textContent = fmt(T.sizes, { sizes: sizes.join(", ") });
    }
    var facts = (row.dietary || []).concat(row.allergens || []).map(function (key) { return T.fact_names[key] || key; });
    if (facts.length) {
      var line = fmt(T.facts, { facts: facts.join(", ") });
      var sizesSlot = slot(node, "data-sizes");
      sizesSlot.textContent = sizesSlot.textContent ? sizesSlot.textContent + " · " + line : line;
    }
    slot(node, "data-warning").textContent = row.warning || "";
    action.addEventListener("change", updateCount);
    return node;
  }

  function collect() {
    return Array.prototype.map.call(els.rows.children, function (tr) {
      var action = field(tr, "action").value;
      var row = { action: action };
      ["category", "name", "description", "price"].forEach(function (name) { row[name] = field(tr, name).value; });
      if (action === "update") row.product_id = Number(tr.dataset.productId);
      var sizes = found[Number(tr.dataset.index)].variations || [];
      if (action === "create" && sizes.length) row.variations = sizes;
      var read = found[Number(tr.dataset.index)];
      if (action !== "skip") { row.dietary = read.dietary || []; row.allergens = read.allergens || []; }
      return row;
    });
  }

  // A sector template's items the menu does not have: one box for all, one per item (ticked
  // when never ordered), removed with the import.
  function offerLeftovers(items) {
    els.leftoversList.textContent = "";
    show(els.leftovers, items.length > 0);
    if (!items.length) return;
    var tpl = $("tpl-leftover");
    items.forEach(function (item) {
      var node = tpl.content.firstElementChild.cloneNode(true);
      var box = node.querySelector("[data-leftover]");
      box.value = String(item.product_id);
      box.checked = item.suggested;
      slot(node, "data-name").textContent = item.name;
      slot(node, "data-note").textContent = item.ordered ? T.leftover_ordered : "";
      box.addEventListener("change", syncLeftoversAll);
      els.leftoversList.appendChild(node);
    });
    slot(els.leftovers, "data-text").textContent = fmt(T.leftovers, { count: items.length });
    syncLeftoversAll();
  }

  function leftoverBoxes() {
    return Array.prototype.slice.call(els.leftoversList.querySelectorAll("[data-leftover]"));
  }

  function syncLeftoversAll() {
    var boxes = leftoverBoxes();
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    els.leftoversAll.checked = ticked > 0 && ticked === boxes.length;
    els.leftoversAll.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  els.leftoversAll.addEventListener("change", function () {
    leftoverBoxes().forEach(function (box) { box.checked = els.leftoversAll.checked; });
  });

  function leftoversToRemove() {
    return leftoverBoxes().filter(function (box) { return box.checked; }).map(function (box) { return Number(box.value); });
  }

  function updateCount() {
    var count = collect().filter(function (row) { return row.action !== "skip"; }).length;
    els.importBtn.disabled = count === 0;
    els.importBtn.textContent = count === 0 ? T.import_none : count === 1 ? T.import_one : fmt(T.import_many, { count: count });
  }

  function clearRowErrors() {
    Array.prototype.forEach.call(els.rows.children, function (tr) {
      slot(tr, "data-error").textContent = "";
      Array.prototype.forEach.call(tr.querySelectorAll("[aria-invalid]"), function (input) {
        input.removeAttribute("aria-invalid");
      });
    });
  }

  function markRowErrors(errors) {
    // Fields look like "rows.3.price": the index in the posted list, then the field.
    var first = null;
    errors.forEach(function (error) {
      var parts = String(error.field || "").split(".");
      var tr = els.rows.querySelector("[data-index='" + parts[1] + "']");
      if (parts[0] !== "rows" || !tr) return;
      var target = field(tr, parts[2] === "product_id" ? "action" : parts[2]) || field(tr, "name");
      target.setAttribute("aria-invalid", "true");
      var box = slot(tr, "data-error");
      box.textContent = (box.textContent ? box.textContent + " " : "") + error.message;
      first = first || target;
    });
    if (first) first.focus();
  }

  els.importBtn.addEventListener("click", function () {
    clearRowErrors();
    setError("");
    els.importBtn.disabled = true;
    els.importBtn.textContent = T.importing;
    request(C.processUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ upload_id: uploadId, rows: collect(), remove_template_ids: leftoversToRemove() }),
    })
      .then(function (res) {
        if (res.status === 200) {
          imported(res.body);
          return;
        }
        updateCount();
        if (res.status === 422 && res.body.errors) {
          markRowErrors(res.body.errors);
          setError(T.fix_rows + " " + (res.body.detail || ""));
          return;
        }
        setError(res.body.detail || T.failed);
      })
      .catch(function () {
        updateCount();
        setError(T.network);
      });
  });

  function imported(counts) {
    show(els.reviewWrap, false);
    setStatus("");
    show(els.progress, false);
    show(els.leftovers, false);
    slot(els.result, "data-text").textContent =
      fmt(T.imported, counts) + (counts.removed ? " " + fmt(T.removed, counts) : "");
    show(els.result, true);
    els.result.setAttribute("tabindex", "-1");
    els.result.focus();
  }
})();
