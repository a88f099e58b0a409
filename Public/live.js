// Rapport live updates. The page works without this script; with it, the inbox rows and view
// counts follow every change, a ticket page shows new messages and field changes as they happen
// (marked as new, never touching what the agent is typing), and avatars show who else is on a
// ticket and who is writing. One connection per tab: a WebSocket, or Server-Sent Events when
// the WebSocket cannot open. It resumes after the last event it has, so nothing is missed.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.hasAttribute("data-live-after") || !window.fetch) return;

  var me = body.getAttribute("data-agent-id");
  var lastID = parseInt(body.getAttribute("data-live-after"), 10) || 0;
  var layout = document.querySelector("[data-ticket]");
  var ticketID = layout ? layout.getAttribute("data-ticket") : null;
  var list = document.querySelector("[data-list=tickets]");
  var tab = randomID();
  var socket = null, source = null, useSSE = !window.WebSocket, wsFailures = 0;
  var attempt = 0, reconnectTimer = null, connected = false;
  var viewers = {};  // ticket id -> { agent id -> { name, state } }
  var myState = "viewing";

  function randomID() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function query() {
    return "?tab=" + tab + "&after=" + lastID + (ticketID ? "&ticket=" + encodeURIComponent(ticketID) : "");
  }

  // ---- Connection ----

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (connected || socket || source) return;
    if (useSSE) return connectSSE();
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var opened = false;
    try {
      socket = new WebSocket(scheme + location.host + "/live" + query());
    } catch (error) {
      socket = null;
      useSSE = true;
      return connectSSE();
    }
    socket.onopen = function () { opened = true; connected = true; attempt = 0; wsFailures = 0; if (myState !== "viewing") sendState(myState); };
    socket.onmessage = function (event) { receive(event.data); };
    socket.onclose = function () {
      socket = null;
      connected = false;
      // A proxy that refuses upgrades fails every handshake: fall back to SSE after two.
      if (!opened && ++wsFailures >= 2) useSSE = true;
      scheduleReconnect();
    };
  }

  function connectSSE() {
    if (!window.EventSource) return;
    source = new EventSource("/live/stream" + query());
    source.onopen = function () { connected = true; attempt = 0; if (myState !== "viewing") sendState(myState); };
    source.onmessage = function (event) { receive(event.data); };
    source.onerror = function () {
      // Our own reconnection carries the newest id and the jitter; EventSource's would not jitter.
      if (source) source.close();
      source = null;
      connected = false;
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    attempt += 1;
    var ceiling = Math.min(15000, 500 * Math.pow(2, Math.min(attempt, 5)));
    reconnectTimer = setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2);
  }

  function reconnectNow() {
    if (connected) return;
    attempt = 0;
    connect();
  }

  document.addEventListener("visibilitychange", function () { if (!document.hidden) reconnectNow(); });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("pagehide", function () {
    if (socket) socket.close();
    if (source) source.close();
  });

  // ---- Messages ----

  function receive(text) {
    var message;
    try { message = JSON.parse(text); } catch (error) { return; }
    if (message.type === "hello") {
      viewers = {};
      (message.viewers || []).forEach(function (v) { setViewer(String(v.ticket_id || ""), String(v.agent_id), v.agent_name, v.state); });
      renderPresence();
      return;
    }
    if (message.type === "reset") { location.reload(); return; }
    if (message.type !== "event" || typeof message.id !== "number") return;
    if (message.id <= lastID) return;  // already seen (a replay overlapping what arrived live)
    lastID = message.id;
    handle(message);
  }

  function handle(event) {
    var data = event.data || {};
    var ticket = event.ticket_id != null ? String(event.ticket_id) : null;
    switch (event.kind) {
      case "presence":
        setViewer(ticket, String(event.actor_agent_id), data.agent_name, data.state);
        renderPresence();
        return;
      case "notification":
        refreshCounts();
        return;
      case "ticket.created":
      case "ticket.updated":
      case "message.added":
        if (list) scheduleListRefresh(ticket);
        if (ticketID && ticket === ticketID) scheduleTicketRefresh(event);
        refreshCountsSoon();
        return;
    }
  }

  // ---- View counts ----

  var countsTimer = null;
  function refreshCountsSoon() {
    if (countsTimer) return;
    countsTimer = setTimeout(function () { countsTimer = null; refreshCounts(); }, 400);
  }

  function refreshCounts() {
    fetch("/inbox/counts", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts || !counts.values) return;
        Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), function (el) {
          var value = counts.values[el.getAttribute("data-count")];
          if (typeof value === "number") el.textContent = String(value);
        });
        document.dispatchEvent(new Event("rapport:counts"));
      })
      .catch(function () {});
  }

  // ---- Inbox rows ----

  var listTimer = null, changedRows = {};
  function scheduleListRefresh(ticket) {
    if (ticket) changedRows[ticket] = true;
    if (listTimer) return;
    listTimer = setTimeout(refreshList, 300);
  }

  function fetchPage() {
    return fetch(location.pathname + location.search, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { return html ? new DOMParser().parseFromString(html, "text/html") : null; });
  }

  function refreshList() {
    listTimer = null;
    var changed = changedRows;
    changedRows = {};
    fetchPage().then(function (doc) {
      if (!doc) return;
      var fresh = doc.querySelector("[data-list=tickets] tbody");
      var current = list.querySelector("tbody");
      if (!fresh || !current) return;
      var selected = {};
      Array.prototype.forEach.call(current.querySelectorAll("input[type=checkbox]:checked"), function (box) { selected[box.value] = true; });
      var focusedRow = document.activeElement && document.activeElement.closest ? document.activeElement.closest("[data-ticket-row]") : null;
      var focusedID = focusedRow ? focusedRow.getAttribute("data-ticket-row") : null;
      current.innerHTML = fresh.innerHTML;
      Array.prototype.forEach.call(current.querySelectorAll("[data-ticket-row]"), function (row) {
        var id = row.getAttribute("data-ticket-row");
        var box = row.querySelector("input[type=checkbox]");
        if (box && selected[id]) box.checked = true;
        if (changed[id]) row.classList.add("live-changed");
        if (focusedID === id) { var link = row.querySelector("[data-open]"); if (link) link.focus({ preventScroll: true }); }
      });
      renderPresence();
      document.dispatchEvent(new Event("rapport:rows"));
    }).catch(function () {});
  }

  // ---- Ticket page ----

  var ticketTimer = null, pendingEvents = [];
  function scheduleTicketRefresh(event) {
    pendingEvents.push(event);
    if (ticketTimer) return;
    ticketTimer = setTimeout(refreshTicket, 200);
  }

  function refreshTicket() {
    ticketTimer = null;
    var events = pendingEvents;
    pendingEvents = [];
    fetchPage().then(function (doc) {
      if (!doc) return;
      var timeline = document.querySelector(".timeline");
      var freshTimeline = doc.querySelector(".timeline");
      if (timeline && freshTimeline) {
        var known = timeline.querySelectorAll(".timeline-item").length;
        timeline.innerHTML = freshTimeline.innerHTML;
        var items = timeline.querySelectorAll(".timeline-item");
        for (var i = known; i < items.length; i++) items[i].classList.add("live-new");
      }
      // The header's badges, the SLA panel and the requester card follow; the composer and an
      // unsaved side panel are the agent's own work and stay as they are.
      [".ticket-badges", "#sla-panel", ".requester-card", "[data-delay-notice]"].forEach(function (selector) {
        var mine = document.querySelector(selector), theirs = doc.querySelector(selector);
        if (mine && theirs) mine.innerHTML = theirs.innerHTML;
      });
      var title = document.getElementById("ticket-title"), freshTitle = doc.getElementById("ticket-title");
      if (title && freshTitle) title.textContent = freshTitle.textContent;
      updatePanel(doc);
      announce(events);
      renderPresence();
    }).catch(function () {});
  }

  function updatePanel(doc) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-panel-field]"), function (field) {
      var fresh = doc.getElementById(field.id);
      if (!fresh) return;
      var untouched = field.value === field.getAttribute("data-original");
      field.setAttribute("data-original", fresh.getAttribute("data-original"));
      if (!untouched) return;  // the agent changed this one and has not saved it
      if (field.tagName === "SELECT") field.innerHTML = fresh.innerHTML;
      field.value = fresh.getAttribute("data-original");
      field.disabled = fresh.disabled;
    });
  }

  function announce(events) {
    var theirs = events.filter(function (e) { return String(e.actor_agent_id || "") !== me || e.kind === "message.added" && (e.data || {}).author_kind === "customer"; });
    if (!theirs.length) return;
    var banner = document.querySelector("[data-live-banner]");
    if (!banner) {
      banner = document.createElement("p");
      banner.className = "live-banner";
      banner.setAttribute("data-live-banner", "");
      banner.setAttribute("role", "status");
      var header = document.querySelector(".ticket-header");
      if (header) header.appendChild(banner); else return;
    }
    var last = theirs[theirs.length - 1], data = last.data || {};
    if (last.kind === "message.added") {
      banner.textContent = data.author_kind === "customer" ? "The customer wrote again — see the newest message below."
        : data.message_kind === "note" ? "A colleague added a note." : "A colleague replied.";
    } else {
      banner.textContent = "This ticket was just changed" + (data.fields && data.fields.length ? " (" + data.fields.join(", ") + ")." : ".");
    }
  }

  // ---- Presence ----

  function setViewer(ticket, agent, name, state) {
    if (!ticket) return;
    var on = viewers[ticket] || (viewers[ticket] = {});
    if (state === "left") delete on[agent]; else on[agent] = { name: name || "", state: state };
  }

  function initials(name) {
    return name.split(/\s+/).slice(0, 2).map(function (part) { return part.charAt(0); }).join("").toUpperCase();
  }

  function renderPresence() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-presence]"), function (slot) {
      var on = viewers[slot.getAttribute("data-presence")] || {};
      var others = Object.keys(on).filter(function (agent) { return agent !== me; });
      slot.textContent = "";
      var writing = [];
      others.forEach(function (agent) {
        var viewer = on[agent];
        var avatar = document.createElement("span");
        avatar.className = "presence-avatar" + (viewer.state !== "viewing" ? " is-writing" : "");
        avatar.textContent = initials(viewer.name);
        var doing = viewer.state === "replying" ? "is writing a reply" : viewer.state === "noting" ? "is writing a note" : "is viewing";
        avatar.title = viewer.name + " " + doing;
        avatar.setAttribute("aria-label", viewer.name + " " + doing);
        slot.appendChild(avatar);
        if (viewer.state !== "viewing") writing.push(viewer.name + " " + doing);
      });
      if (slot.classList.contains("presence-line") && writing.length) {
        var note = document.createElement("span");
        note.className = "presence-writing";
        note.textContent = writing.join("; ") + ".";
        slot.appendChild(note);
      }
    });
  }

  // ---- Saying what this tab does ----

  function sendState(state) {
    if (socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "presence", state: state }));
    } else if (source) {
      var csrf = document.querySelector("input[name=_csrf]");
      fetch("/live/presence", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
        body: JSON.stringify({ tab: tab, ticket: ticketID ? parseInt(ticketID, 10) : null, state: state })
      }).catch(function () {});
    }
  }

  function setState(state) {
    if (state === myState) return;
    myState = state;
    sendState(state);
  }

  var composer = document.getElementById("composer-form");
  var textarea = document.getElementById("composer-body");
  if (ticketID && composer && textarea) {
    var idleTimer = null;
    var writingState = function () {
      var note = composer.querySelector("input[name=kind][value=note]");
      return note && note.checked ? "noting" : "replying";
    };
    var typed = function () {
      clearTimeout(idleTimer);
      if (!textarea.value.trim()) { setState("viewing"); return; }
      setState(writingState());
      // Someone who stops typing for a while is reading, not writing.
      idleTimer = setTimeout(function () { setState("viewing"); }, 20000);
    };
    textarea.addEventListener("input", typed);
    composer.addEventListener("change", function (event) { if (event.target.name === "kind" && myState !== "viewing") setState(writingState()); });
    composer.addEventListener("submit", function () { clearTimeout(idleTimer); setState("viewing"); });
  }

  connect();
})();
