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
  // The live script replaced the rows with fresh ones.
  document.addEventListener("rapport:rows", function () {
    rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
    current = -1;
  });

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
      var isNoteKind = !!(note && note.checked);
      composer.classList.toggle("is-note", isNoteKind);
      if (body) {
        var placeholder = body.getAttribute(isNoteKind ? "data-note-placeholder" : "data-reply-placeholder");
        if (placeholder) body.setAttribute("placeholder", placeholder);
      }
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

  // ---- Attachments: the size limit is checked as files are chosen, not after the upload ----
  var fileInput = composer ? composer.querySelector("input[type=file][data-max-bytes]") : null;
  if (fileInput) {
    var attachError = composer.querySelector("[data-attach-error]");
    var chosenList = composer.querySelector("[data-chosen-files]");
    var limit = parseInt(fileInput.getAttribute("data-max-bytes"), 10) || 0;
    var limitText = fileInput.getAttribute("data-max-text") || "";
    var sizeText = function (bytes) {
      if (bytes < 1024) return bytes + " B";
      if (bytes < 1048576) return Math.floor(bytes / 1024) + " KB";
      return (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
    };
    fileInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(fileInput.files || []);
      var total = 0, problem = "";
      files.forEach(function (file) {
        total += file.size;
        if (!problem && limit && file.size > limit) problem = "“" + file.name + "” is " + sizeText(file.size) + "; files can be at most " + limitText + ".";
      });
      if (!problem && limit && total > limit) problem = "Together these files are " + sizeText(total) + "; one message can carry at most " + limitText + ". Send some of them in a second reply.";
      attachError.hidden = !problem;
      attachError.textContent = problem;
      chosenList.textContent = "";
      if (problem) {
        fileInput.value = "";
      } else {
        files.forEach(function (file) {
          var item = document.createElement("li");
          item.textContent = file.name + " (" + sizeText(file.size) + ")";
          chosenList.appendChild(item);
        });
      }
      chosenList.hidden = !!problem || files.length === 0;
    });
  }

  // ---- Side panel: changed fields are marked; Send applies them with the message ----
  var panelFields = Array.prototype.slice.call(document.querySelectorAll("[data-panel-field]"));
  var panelPending = composer ? composer.querySelector("[data-panel-pending]") : null;
  if (panelFields.length && panelPending) {
    var normalized = function (value) { return String(value || "").trim().toLowerCase().split(/[\s,]+/).filter(Boolean).sort().join(" "); };
    var syncPanel = function () {
      var changed = panelFields.filter(function (field) {
        var isChanged = normalized(field.value) !== normalized(field.getAttribute("data-original"));
        field.classList.toggle("is-changed", isChanged);
        return isChanged;
      });
      panelPending.hidden = changed.length === 0;
    };
    panelFields.forEach(function (field) {
      field.addEventListener("change", syncPanel);
      field.addEventListener("input", syncPanel);
    });
    syncPanel();
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

    var rangesOf = function (finding) {
      if (finding.ranges && finding.ranges.length) return finding.ranges;
      return finding.start !== null && finding.end !== null ? [{ start: finding.start, end: finding.end }] : [];
    };

    // The highlights layer holds the same text as the textarea, with marks around the passages
    // the coach talks about. Overlapping passages become one mark, so no text is ever doubled
    // or dropped and every later mark stays exactly over its words.
    var paint = function (text, findings) {
      var spans = [];
      findings.forEach(function (f) {
        rangesOf(f).forEach(function (r) { if (r.end > r.start) spans.push({ start: r.start, end: r.end, rule: f.rule }); });
      });
      spans.sort(function (a, b) { return a.start - b.start || b.end - a.end; });
      var merged = [];
      spans.forEach(function (span) {
        var last = merged[merged.length - 1];
        if (last && span.start < last.end) {
          last.end = Math.max(last.end, span.end);
          if (last.rules.indexOf(span.rule) < 0) last.rules.push(span.rule);
        } else {
          merged.push({ start: span.start, end: span.end, rules: [span.rule] });
        }
      });
      var html = "", position = 0;
      merged.forEach(function (m) {
        var classes = m.rules.map(function (rule) { return "coach-" + rule; }).join(" ");
        html += escapeHTML(text.slice(position, m.start)) + "<mark class=\"coach-mark " + classes + "\">" + escapeHTML(text.slice(m.start, m.end)) + "</mark>";
        position = m.end;
      });
      highlights.innerHTML = html + escapeHTML(text.slice(position)) + "\n";
      highlights.scrollTop = body.scrollTop;
      coachField.classList.toggle("has-marks", merged.length > 0);
    };

    var apply = function (finding) {
      var text = body.value, suggestion = finding.suggestion;
      var ranges = rangesOf(finding).slice().sort(function (a, b) { return b.start - a.start; });
      if (ranges.length) {
        // From the last passage back, so earlier positions stay right.
        ranges.forEach(function (r) { text = text.slice(0, r.start) + suggestion + text.slice(r.end); });
        body.value = text;
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

    // A button label of at most about 60 characters, cut at a word, never inside one.
    var shortLabel = function (suggestion) {
      var flat = suggestion.replace(/\s+/g, " ").trim();
      if (flat.length <= 60) return flat;
      var cut = flat.slice(0, 60);
      var space = cut.lastIndexOf(" ");
      return (space > 30 ? cut.slice(0, space) : cut).replace(/[\s,.;:]+$/, "") + "…";
    };

    var kindLabels = {
      "negative-phrasing": "Phrasing", "blame": "Blame", "shouting": "Shouting", "missing-greeting": "Greeting",
      "missing-name": "Name", "missing-empathy": "Empathy", "missing-closing": "Closing", "missing-ownership": "Ownership",
      "unanswered-question": "Question"
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
        var kind = document.createElement("span");
        kind.className = "coach-kind coach-kind-" + finding.rule;
        kind.textContent = kindLabels[finding.rule] || "Advice";
        item.appendChild(kind);
        item.appendChild(document.createTextNode(" "));
        var message = document.createElement("span");
        message.className = "coach-message";
        message.textContent = finding.message;
        item.appendChild(message);
        var ranges = rangesOf(finding);
        var quoted = [];
        ranges.forEach(function (r) {
          var passage = text.slice(r.start, r.end);
          if (quoted.indexOf(passage) < 0) quoted.push(passage);
        });
        quoted.slice(0, 4).forEach(function (passage) {
          var quote = document.createElement("q");
          quote.textContent = passage;
          item.appendChild(document.createTextNode(" "));
          item.appendChild(quote);
        });
        if (ranges.length > 1) {
          var count = document.createElement("span");
          count.className = "coach-count muted";
          count.textContent = " (" + ranges.length + " places)";
          item.appendChild(count);
        }
        if (finding.suggestion) {
          var use = document.createElement("button");
          use.type = "button";
          use.className = "link-button coach-apply";
          use.setAttribute("data-coach-apply", "");
          var label = shortLabel(finding.suggestion);
          use.textContent = "Use “" + label + "”" + (ranges.length === 2 ? " in both places" : ranges.length > 2 ? " in all " + ranges.length + " places" : "");
          use.title = finding.suggestion;
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
        if (note) { note.hidden = false; note.textContent = macro.summary || ("Using macro “" + macro.title + "”."); }
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

  // ---- On a phone the views and admin tabs scroll sideways: keep the current one in sight ----
  function keepCurrentInSight() {
    Array.prototype.forEach.call(document.querySelectorAll(".sidebar [aria-current=page], .tabs [aria-current=page]"), function (current) {
      var row = current.closest(".sidebar, .tabs");
      if (!row || row.scrollWidth <= row.clientWidth) return;
      var offset = current.getBoundingClientRect().left - row.getBoundingClientRect().left + row.scrollLeft;
      row.scrollLeft = Math.max(0, offset - row.clientWidth / 3);
    });
  }
  keepCurrentInSight();
  // The counts arrive a moment later and widen the chips before the current one.
  window.addEventListener("load", keepCurrentInSight);
  document.addEventListener("rapport:counts", keepCurrentInSight);

  // ---- Filters and bulk changes fold away on a phone, where they would push the list down ----
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-narrow]"), function (details) { details.open = false; });
  }

  // ---- Rule editor: the value of a condition or action fits its field (a list, a search) ----
  Array.prototype.forEach.call(document.querySelectorAll("[data-rule-row]"), function (row) {
    var kind = row.querySelector("[data-rule-kind]");
    var slot = row.querySelector("[data-rule-value]");
    if (!kind || !slot) return;
    kind.addEventListener("change", function () {
      var template = document.querySelector("template[data-value-template='" + row.getAttribute("data-rule-row") + ":" + kind.value + "']");
      if (!template) return;
      var control = template.content.firstElementChild.cloneNode(true);
      control.setAttribute("name", slot.getAttribute("data-rule-value"));
      control.setAttribute("aria-label", kind.getAttribute("aria-label") + " value");
      slot.textContent = "";
      slot.appendChild(control);
    });
  });

  // ---- Pickers: a long list of checkboxes narrowed by typing ----
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), function (picker) {
    var filter = picker.querySelector("[data-picker-filter]");
    if (!filter) return;
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(picker.querySelectorAll("[data-picker-item]"), function (item) {
        var checked = item.querySelector("input:checked");
        item.hidden = !!wanted && !checked && item.getAttribute("data-picker-item").toLowerCase().indexOf(wanted) < 0;
      });
    });
  });

  // ---- Inbox filters: a changed sort or filter applies at once (the Apply button stays for keyboards) ----
  Array.prototype.forEach.call(document.querySelectorAll("form.filters select"), function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); });
  });

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
  function showHelp() {
    Array.prototype.forEach.call(document.querySelectorAll("details.account[open]"), function (menu) { menu.open = false; });
    if (help && help.showModal && !help.open) help.showModal();
  }
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
        document.dispatchEvent(new Event("rapport:counts"));
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

// ---- The agent's signature, added at the end of a reply ----
(function () {
  "use strict";
  var composer = document.getElementById("composer-body");
  var button = document.querySelector("[data-insert-signature]");
  if (!composer || !button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var signature = button.getAttribute("data-insert-signature");
    if (composer.value.indexOf(signature) < 0) composer.value = composer.value.replace(/\s*$/, "") + (composer.value.trim() ? "\n\n" : "") + signature;
    composer.focus();
    composer.setSelectionRange(composer.value.length, composer.value.length);
    composer.dispatchEvent(new Event("input", { bubbles: true }));
  });
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
