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

  // ---- Reply coach: findings while typing, highlighted in the text, one click to rephrase ----
  var coachBox = document.querySelector("[data-coach]");
  var coachField = document.querySelector("[data-coach-field]");
  if (composer && body && coachBox && coachField) {
    var coachURL = composer.getAttribute("data-coach-url");
    var token = composer.querySelector("input[name=_csrf]").value;
    var highlights = coachField.querySelector("[data-coach-highlights]");
    var list = coachBox.querySelector("[data-coach-list]");
    var scoreLine = coachBox.querySelector("[data-coach-score]");
    var coachTimer = null, coachSequence = 0, checkedText = null;

    var isNote = function () {
      var note = composer.querySelector("input[name=kind][value=note]");
      return !!(note && note.checked);
    };

    var escapeHTML = function (text) {
      return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    };

    var paint = function (text, findings) {
      var marks = findings.filter(function (f) { return f.start !== null && f.end !== null && f.end > f.start; })
        .sort(function (a, b) { return a.start - b.start; });
      var html = "", position = 0;
      marks.forEach(function (f) {
        if (f.start < position) return;
        html += escapeHTML(text.slice(position, f.start)) + "<mark class=\"coach-mark coach-" + f.rule + "\">" + escapeHTML(text.slice(f.start, f.end)) + "</mark>";
        position = f.end;
      });
      highlights.innerHTML = html + escapeHTML(text.slice(position)) + "\n";
      highlights.scrollTop = body.scrollTop;
      coachField.classList.toggle("has-marks", marks.length > 0);
    };

    var apply = function (finding) {
      var text = body.value, suggestion = finding.suggestion;
      if (finding.start !== null && finding.end !== null) {
        body.value = text.slice(0, finding.start) + suggestion + text.slice(finding.end);
      } else if (finding.rule === "missing-greeting" || finding.rule === "missing-name") {
        body.value = suggestion.replace(/\s*$/, "\n\n") + text.replace(/^\s+/, "");
      } else if (finding.rule === "missing-empathy") {
        var firstBreak = text.indexOf("\n");
        body.value = firstBreak >= 0 ? text.slice(0, firstBreak + 1) + "\n" + suggestion + " " + text.slice(firstBreak + 1).replace(/^\n+/, "") : suggestion + " " + text;
      } else {
        // Before the sign-off: the last blank line, when the text has one.
        var cut = text.replace(/\s+$/, "").lastIndexOf("\n\n");
        body.value = cut > 0 ? text.slice(0, cut) + "\n\n" + suggestion + text.slice(cut) : text.replace(/\s*$/, "") + "\n\n" + suggestion;
      }
      body.focus();
      checkedText = null;
      check();
    };

    var render = function (analysis, text) {
      list.textContent = "";
      var findings = analysis.findings || [];
      coachBox.hidden = findings.length === 0 && text.trim() === "";
      scoreLine.textContent = findings.length === 0 ? "Coach: this reads well (" + analysis.score + "/100)." :
        "Coach: " + analysis.score + "/100 · " + findings.length + " suggestion" + (findings.length === 1 ? "" : "s") + " (sending is never blocked)";
      findings.forEach(function (finding) {
        var item = document.createElement("li");
        item.className = "coach-finding coach-" + finding.rule;
        item.setAttribute("data-rule", finding.rule);
        var message = document.createElement("span");
        message.className = "coach-message";
        message.textContent = finding.message;
        item.appendChild(message);
        if (finding.start !== null && finding.end !== null) {
          var quote = document.createElement("q");
          quote.textContent = text.slice(finding.start, finding.end);
          item.appendChild(document.createTextNode(" "));
          item.appendChild(quote);
        }
        if (finding.suggestion) {
          var use = document.createElement("button");
          use.type = "button";
          use.className = "link-button coach-apply";
          use.setAttribute("data-coach-apply", "");
          use.textContent = "Use “" + finding.suggestion.replace(/\s+/g, " ").trim().slice(0, 60) + "”";
          use.addEventListener("click", function () { apply(finding); });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(use);
        }
        list.appendChild(item);
      });
      paint(text, findings);
    };

    var check = function () {
      var text = body.value;
      if (isNote() || text.trim() === "") {
        coachBox.hidden = true;
        paint(text, []);
        checkedText = null;
        return;
      }
      if (text === checkedText) return;
      checkedText = text;
      var mine = ++coachSequence;
      fetch(coachURL, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({ draft: text })
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (analysis) { if (analysis && mine === coachSequence && body.value === text) render(analysis, text); })
        .catch(function () { /* the coach is optional; the reply can always be sent */ });
    };

    body.addEventListener("input", function () {
      paint(body.value, []);
      clearTimeout(coachTimer);
      coachTimer = setTimeout(check, 450);
    });
    body.addEventListener("scroll", function () { highlights.scrollTop = body.scrollTop; });
    composer.addEventListener("change", function () { checkedText = null; check(); });
    coachField.classList.add("has-coach");
    if (body.value.trim() !== "") check();
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

// ---- Knowledge-base links in the composer ----
(function () {
  "use strict";
  var composer = document.getElementById("composer-body");
  if (!composer) return;
  Array.prototype.forEach.call(document.querySelectorAll("[data-insert-link]"), function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-insert-title") + ": " + button.getAttribute("data-insert-link");
      var start = composer.selectionStart || composer.value.length;
      var end = composer.selectionEnd || start;
      var before = composer.value.slice(0, start);
      var spacer = before && !/\s$/.test(before) ? "\n" : "";
      composer.value = before + spacer + text + composer.value.slice(end);
      composer.focus();
      var caret = before.length + spacer.length + text.length;
      composer.setSelectionRange(caret, caret);
      composer.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
