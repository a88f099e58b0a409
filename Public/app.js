// Rapport workspace script. Every page works without it; this only makes the work quicker:
// keyboard shortcuts, select-all, macro insertion, live view counts and a send shortcut.
(function () {
  "use strict";

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // ---- Ticket lists: j/k to move, o or Enter to open, x to select ----
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  var current = -1;

  function moveTo(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) rows[current].classList.remove("is-current");
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    var link = row.querySelector("[data-open]");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function openCurrent() {
    if (current < 0 || !rows[current]) return;
    window.location.href = rows[current].getAttribute("data-href");
  }

  function toggleCurrent() {
    if (current < 0 || !rows[current]) return;
    var box = rows[current].querySelector("input[type=checkbox]");
    if (box) box.checked = !box.checked;
  }

  // ---- Composer ----
  var composer = document.querySelector("[data-composer]");
  var body = composer ? composer.querySelector("textarea[name=body]") : null;

  function compose(kind) {
    if (!composer || !body) return;
    var radio = composer.querySelector("input[name=kind][value=" + kind + "]");
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    body.focus();
  }

  if (composer) {
    var syncKind = function () {
      var note = composer.querySelector("input[name=kind][value=note]");
      composer.classList.toggle("is-note", !!(note && note.checked));
    };
    composer.addEventListener("change", syncKind);
    syncKind();
    if (body) {
      body.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          composer.requestSubmit ? composer.requestSubmit() : composer.submit();
        }
      });
    }
  }

  // ---- Macros: insert at the cursor without reloading the page ----
  var picker = document.querySelector("[data-macro-picker]");
  if (picker && composer && body) {
    var macroSelect = picker.querySelector("select[name=macro]");
    var ticket = document.querySelector("[data-ticket]").getAttribute("data-ticket");
    Array.prototype.forEach.call(picker.querySelectorAll("[data-no-js-only]"), function (el) { el.hidden = true; });
    macroSelect.addEventListener("change", function () {
      if (!macroSelect.value) return;
      fetch("/tickets/" + ticket + "/macros/" + encodeURIComponent(macroSelect.value), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) throw new Error("macro " + response.status);
        return response.json();
      }).then(function (macro) {
        insertAtCursor(body, macro.body);
        composer.querySelector("[data-macro-id]").value = String(macro.id);
        var note = composer.querySelector("[data-macro-applied]");
        if (note) { note.hidden = false; note.textContent = "Using macro “" + macro.title + "”; its field changes apply when you send."; }
        if (macro.set_status) {
          var status = composer.querySelector("[data-send-status]");
          if (status && status.querySelector("option[value=" + macro.set_status + "]")) status.value = macro.set_status;
        }
        macroSelect.value = "";
        body.focus();
      }).catch(function () {
        picker.submit(); // fall back to the page that fills the composer on the server
      });
    });
  }

  function insertAtCursor(field, text) {
    var start = field.selectionStart || 0, end = field.selectionEnd || 0;
    var before = field.value.slice(0, start), after = field.value.slice(end);
    field.value = before + text + after;
    var position = before.length + text.length;
    field.setSelectionRange(position, position);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ---- Bulk selection ----
  var all = document.querySelector("[data-action=select-all]");
  if (all) {
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll("input[name='ticket_ids[]']"), function (box) { box.checked = all.checked; });
    });
  }

  // ---- Confirmation for destructive forms ----
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // ---- Shortcut help ----
  var help = document.getElementById("shortcuts");
  function showHelp() { if (help && help.showModal && !help.open) help.showModal(); }
  Array.prototype.forEach.call(document.querySelectorAll("[data-action=show-shortcuts]"), function (button) {
    button.addEventListener("click", showHelp);
  });

  // ---- Keyboard ----
  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      if (event.key === "i") { window.location.href = "/inbox"; event.preventDefault(); }
      return;
    }
    switch (event.key) {
      case "j": moveTo(current + 1); break;
      case "k": moveTo(current < 0 ? 0 : current - 1); break;
      case "o": openCurrent(); break;
      case "Enter": if (current >= 0 && document.activeElement === document.body) openCurrent(); else return; break;
      case "x": toggleCurrent(); break;
      case "r": compose("reply"); break;
      case "n": compose("note"); break;
      case "/": var search = document.getElementById("global-search"); if (search) search.focus(); break;
      case "?": showHelp(); break;
      case "g": pendingG = true; setTimeout(function () { pendingG = false; }, 1200); break;
      default: return;
    }
    event.preventDefault();
  });

  // ---- Live view counts ----
  var counters = document.querySelectorAll("[data-count]");
  function refreshCounts() {
    if (document.hidden) return;
    fetch("/inbox/counts", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts || !counts.values) return;
        Array.prototype.forEach.call(counters, function (el) {
          var value = counts.values[el.getAttribute("data-count")];
          if (typeof value === "number") el.textContent = String(value);
        });
      })
      .catch(function () { /* offline for a moment: keep the last numbers */ });
  }
  if (counters.length) {
    var missing = Array.prototype.some.call(counters, function (el) { return el.textContent === ""; });
    if (missing) refreshCounts();
    setInterval(refreshCounts, 30000);
    document.addEventListener("visibilitychange", refreshCounts);
  }

})();
