/* Forum client: live conversation thread, plain JavaScript (no build step).
 *
 * Sending: the form is posted with fetch (JSON answer); without JavaScript it is an ordinary
 * form post. Receiving: a websocket on /ws/forum/<conversation id>/ that only receives
 * "forum.message" events. When the socket (re)opens, the page catches up over HTTP
 * (GET <messages url>?apres=<last id>), so nothing sent while it was down is missing.
 * Reconnects with exponential backoff (1 s doubling, at most 30 s, plus jitter).
 * The thread carries data-live="connecting|on|off": the "Hors ligne" notice shows only on
 * "off", once a socket really failed (never while the first one is connecting).
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-forum]");
  if (!root) { return; }
  var list = root.querySelector(".forum-messages");
  var form = root.querySelector("form");
  var textarea = form.querySelector("textarea");
  var button = form.querySelector("button[type=submit]");
  var errors = root.querySelector("[data-forum-errors]");
  var viewer = root.getAttribute("data-viewer");
  var messagesUrl = root.getAttribute("data-messages-url");
  var readUrl = root.getAttribute("data-read-url");
  var wsPrefix = root.getAttribute("data-ws-prefix");
  var conversationId = root.getAttribute("data-conversation-id") || "";
  var socket = null;
  var attempts = 0;
  var reconnectTimer = null;
  var catchingUp = false;
  var CATCH_UP_PAGE = 200;

  var dateParts = new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hour12: false
  });

  function formatDate(iso) {
    var parts = {};
    dateParts.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function lastId() {
    var items = list.querySelectorAll("[data-id]");
    return items.length ? parseInt(items[items.length - 1].getAttribute("data-id"), 10) : 0;
  }

  function showErrors(messages) {
    errors.textContent = "";
    messages.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      errors.appendChild(li);
    });
    form.querySelector(".field").classList.toggle("has-error", messages.length > 0);
  }

  /* Add one message (payload of "forum.message") in id order; false if already shown. */
  function append(m) {
    if (list.querySelector('[data-id="' + Number(m.id) + '"]')) { return false; }
    var empty = list.querySelector(".forum-empty");
    if (empty) { empty.parentNode.removeChild(empty); }
    var li = document.createElement("li");
    li.className = "forum-msg forum-msg--" + m.author_kind + (m.author_kind === viewer ? " forum-msg--mine" : "");
    li.setAttribute("data-id", String(Number(m.id)));
    var meta = document.createElement("div");
    meta.className = "forum-meta";
    var name = document.createElement("strong");
    name.textContent = m.author_name;
    var time = document.createElement("time");
    time.setAttribute("datetime", m.created_at);
    time.textContent = formatDate(m.created_at);
    meta.appendChild(name);
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(time);
    var body = document.createElement("div");
    body.className = "forum-body";
    body.textContent = m.body;
    li.appendChild(meta);
    li.appendChild(body);
    var next = null;
    var items = list.querySelectorAll("[data-id]");
    for (var i = 0; i < items.length; i++) {
      if (parseInt(items[i].getAttribute("data-id"), 10) > m.id) { next = items[i]; break; }
    }
    list.insertBefore(li, next);
    list.scrollTop = list.scrollHeight;
    return true;
  }

  function markRead() {
    if (!readUrl || document.hidden) { return; }
    fetch(readUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } });
  }

  function knowConversation(id) {
    if (!id || conversationId) { return; }
    conversationId = String(id);
    connect();
  }

  function catchUp() {
    if (catchingUp) { return; }
    catchingUp = true;
    fetch(messagesUrl + "?apres=" + lastId(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      catchingUp = false;
      if (!data) { return; }
      var added = false;
      data.messages.forEach(function (m) { added = append(m) || added; });
      if (added && viewer === "staff") { markRead(); }
      knowConversation(data.conversation_id);
      if (data.messages.length >= CATCH_UP_PAGE) { catchUp(); }
    }).catch(function () { catchingUp = false; });
  }

  function scheduleReconnect() {
    if (reconnectTimer) { return; }
    var delay = Math.min(30000, 1000 * Math.pow(2, attempts)) + Math.floor(Math.random() * 500);
    attempts += 1;
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, delay);
  }

  function connect() {
    if (!conversationId || socket) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + wsPrefix + conversationId + "/");
    socket.onopen = function () {
      attempts = 0;
      root.setAttribute("data-live", "on");
      catchUp();
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "forum.message" && append(data.payload) && data.payload.author_kind !== viewer) {
        markRead();
      }
    };
    socket.onclose = function () {
      socket = null;
      // Only now has the socket really failed (it never opened, or it dropped): say so.
      root.setAttribute("data-live", "off");
      scheduleReconnect();
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (r) {
      return r.json().then(function (json) { return { ok: r.ok, json: json }; });
    }).then(function (result) {
      if (result.ok) {
        textarea.value = "";
        showErrors([]);
        append(result.json.message);
        knowConversation(result.json.message.conversation_id);
      } else {
        showErrors([result.json.error]);
      }
    }).catch(function () {
      showErrors([root.getAttribute("data-error-network")]);
    }).then(function () {
      button.disabled = false;
      textarea.focus();
    });
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : button.click();
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && list.querySelector(".forum-msg")) { markRead(); }
  });

  // "connecting" until the socket opens or fails: the offline notice shows only once it failed.
  root.setAttribute("data-live", "WebSocket" in window ? "connecting" : "off");
  list.scrollTop = list.scrollHeight;
  connect();
})();
