/* Ponton Club Manager: the live notification centre (NO-1). Plain JavaScript, no build step.
 *
 * Opens ws(s)://<host>/ws/notifications/ and listens to two events (docs/events.md):
 *   notification.created  {id, kind, title, body, url, created_at, unread_count}
 *   notification.read     {ids, unread_count}
 * Every element [data-unread-count] shows the count; every [data-notification-list] gets new
 * items prepended (unless data-live="0"). When the socket closes it reconnects with backoff,
 * and on every (re)connection it catches up over HTTP: GET <since-url>?apres=<last id seen>,
 * so nothing sent while the socket was down is missing. The bell root carries
 * data-socket="connecting|open|closed|off" (for people and tests alike).
 */
(function () {
  "use strict";

  var root = document.getElementById("notification-bell");
  if (!root) return;
  var ds = root.dataset;
  var button = document.getElementById("notification-bell-button");
  var menu = document.getElementById("notification-menu");

  var lastId = parseInt(ds.lastId || "0", 10) || 0;
  var socket = null;
  var retries = 0;
  var retryTimer = null;
  var stopped = false;
  var catchingUp = false;
  var eventsDuringCatchUp = false;
  var dateFormat = new Intl.DateTimeFormat("fr-FR", {
    day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Europe/Paris"
  });

  /* --- The page ------------------------------------------------------------------------ */

  function setCount(count) {
    var text = String(count);
    document.querySelectorAll("[data-unread-count]").forEach(function (el) {
      el.setAttribute("data-unread-count", text);
      el.textContent = text;
      if (el.classList.contains("count")) el.classList.toggle("zero", count === 0);
    });
  }

  function safeLink(url) {
    url = (url || "").trim();
    if (url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") return url;
    if (/^https?:\/\//i.test(url)) return url;
    return "";
  }

  function formatDate(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? "" : dateFormat.format(date).replace(",", "");
  }

  function readForm(id) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = ds.readUrl.replace("/0/", "/" + id + "/");
    form.className = "notif-read";
    form.setAttribute("data-notif-read", "");
    [["csrfmiddlewaretoken", ds.csrfToken], ["next", ds.next || ""]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    var submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "btn secondary";
    submit.textContent = ds.labelMarkRead;
    form.appendChild(submit);
    return form;
  }

  /* The same markup as realtime/notification_item.html; text only through textContent. */
  function renderItem(n) {
    var li = document.createElement("li");
    li.className = "notif-item" + (n.read ? "" : " unread");
    li.setAttribute("data-notification-id", String(n.id));
    var main = document.createElement("div");
    main.className = "notif-main";
    var state = document.createElement("span");
    state.className = "badge notif-state" + (n.read ? "" : " orange");
    state.textContent = n.read ? ds.labelRead : ds.labelUnread;
    main.appendChild(state);
    main.appendChild(document.createTextNode(" "));
    var link = safeLink(n.url);
    var title = document.createElement(link ? "a" : "strong");
    title.className = "notif-title";
    if (link) title.href = link;
    title.textContent = n.title;
    main.appendChild(title);
    if (n.body) {
      var body = document.createElement("p");
      body.className = "notif-body";
      body.textContent = n.body;
      main.appendChild(body);
    }
    var time = document.createElement("time");
    time.className = "muted";
    time.setAttribute("datetime", n.created_at);
    time.textContent = formatDate(n.created_at);
    main.appendChild(time);
    li.appendChild(main);
    if (!n.read) li.appendChild(readForm(n.id));
    return li;
  }

  function itemId(li) {
    return parseInt(li.getAttribute("data-notification-id"), 10);
  }

  function addNotification(n) {
    if (n.id > lastId) lastId = n.id;
    document.querySelectorAll("[data-notification-list]").forEach(function (list) {
      if (list.getAttribute("data-live") === "0") return;
      if (list.querySelector('[data-notification-id="' + n.id + '"]')) return;
      var items = Array.prototype.slice.call(list.querySelectorAll("[data-notification-id]"));
      var max = parseInt(list.getAttribute("data-max-items") || "0", 10);
      var before = null;
      for (var i = 0; i < items.length; i++) {
        if (itemId(items[i]) < n.id) { before = items[i]; break; }
      }
      if (before === null && max && items.length >= max) return; // older than all it shows
      list.insertBefore(renderItem(n), before);
      if (max) {
        items = list.querySelectorAll("[data-notification-id]");
        for (var j = items.length - 1; j >= max; j--) items[j].remove();
      }
      var empty = list.parentNode.querySelector(".notif-empty");
      if (empty) empty.hidden = true;
    });
    document.dispatchEvent(new CustomEvent("ponton:notification", { detail: n }));
  }

  function markRead(ids) {
    ids.forEach(function (id) {
      document.querySelectorAll('[data-notification-id="' + id + '"]').forEach(function (li) {
        li.classList.remove("unread");
        var state = li.querySelector(".notif-state");
        if (state) {
          state.classList.remove("orange");
          state.textContent = ds.labelRead;
        }
        var form = li.querySelector("form[data-notif-read]");
        if (form) form.remove();
      });
    });
  }

  /* The unread items shown now: candidates for "read elsewhere" once the server answers. */
  function shownUnreadIds() {
    var ids = [];
    document.querySelectorAll(".notif-item.unread[data-notification-id]").forEach(function (li) {
      ids.push(itemId(li));
    });
    return ids;
  }

  /* Of the items shown unread when the catch-up started (so committed before the server's
     answer was read), those from `fromId` on that the server no longer lists unread were read
     in another tab while this one was not listening. */
  function applyUnreadIds(candidates, unreadIds, fromId) {
    var unread = new Set(unreadIds);
    markRead(candidates.filter(function (id) { return id >= fromId && !unread.has(id); }));
  }

  function smallestShownId() {
    var smallest = null;
    document.querySelectorAll("[data-notification-id]").forEach(function (li) {
      var id = itemId(li);
      if (smallest === null || id < smallest) smallest = id;
    });
    return smallest;
  }

  /* --- Catch-up over HTTP ------------------------------------------------------------- */

  function fetchSince() {
    var fromId = smallestShownId();
    var candidates = shownUnreadIds();
    var url = ds.sinceUrl + "?apres=" + lastId + (fromId !== null ? "&a_partir_de=" + fromId : "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("catch-up answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        data.notifications.forEach(function (n) {
          addNotification(n);
          if (n.read) markRead([n.id]);
        });
        if (data.unread_ids_from !== null) {
          applyUnreadIds(candidates, data.unread_ids, data.unread_ids_from);
        }
        setCount(data.unread_count);
        return data.has_more;
      });
  }

  function catchUp(rounds) {
    if (catchingUp) return;
    catchingUp = true;
    eventsDuringCatchUp = false;
    rounds = rounds || 0;
    fetchSince()
      .then(function (hasMore) {
        catchingUp = false;
        retries = 0;
        // More to fetch, or an event came meanwhile (its count may be newer than ours): again.
        if ((hasMore || eventsDuringCatchUp) && rounds < 20) catchUp(rounds + 1);
      })
      .catch(function () {
        catchingUp = false;
        if (socket) socket.close(); // the next connection catches up again
      });
  }

  /* --- The socket ----------------------------------------------------------------------- */

  function handle(message) {
    if (catchingUp) eventsDuringCatchUp = true;
    var payload = message.payload || {};
    if (message.type === "notification.created") {
      addNotification({
        id: payload.id, kind: payload.kind, title: payload.title, body: payload.body,
        url: payload.url, created_at: payload.created_at, read: false
      });
      setCount(payload.unread_count);
    } else if (message.type === "notification.read") {
      markRead(payload.ids || []);
      setCount(payload.unread_count);
    }
  }

  function connect() {
    if (stopped || socket || !("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    root.setAttribute("data-socket", "connecting");
    var ws = new WebSocket(scheme + window.location.host + ds.wsPath);
    socket = ws;
    ws.onopen = function () {
      root.setAttribute("data-socket", "open");
      catchUp(); // what happened before this socket joined its group
    };
    ws.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    };
    ws.onclose = function (event) {
      if (socket === ws) socket = null;
      root.setAttribute("data-socket", "closed");
      // 4401 no session, 4403 refused, 4404 unknown or suspended structure: retrying won't help.
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        stopped = true;
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    var delay = Math.min(30000, 1000 * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
    retries += 1;
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      connect();
    }, delay);
  }

  function reconnectNow() {
    if (stopped || socket) return;
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    connect();
  }

  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });

  /* --- Mark read without leaving the page ------------------------------------------------ */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-notif-read], form[data-notif-read-all]")) return;
    if (!window.fetch) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": ds.csrfToken }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("mark read answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        markRead(data.ids);
        setCount(data.unread_count);
      })
      .catch(function () {
        form.submit(); // the plain form still works
      });
  });

  /* --- The dropdown ------------------------------------------------------------------------ */

  function setOpen(open) {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  if (button && menu) {
    button.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      setOpen(menu.hidden);
    });
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !root.contains(event.target)) setOpen(false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menu.hidden) {
        setOpen(false);
        button.focus();
      }
    });
  }

  connect();
})();
