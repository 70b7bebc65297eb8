/* Ponton shop: live free seats (MP-1). Plain JavaScript, no build step, no eval (strict CSP).
 *
 * Every element [data-session-seats="<session id>"] shows that session's free seats:
 * "3 places libres", "1 place libre", "Complet" (class is-full), or "Indisponible" (is-full
 * too) for a session the shop no longer offers. Buttons [data-book-session="<id>"] are
 * disabled while their session is full or gone, and enabled again when a seat frees up (only
 * those this script disabled: a button the page rendered disabled stays so).
 *
 * Opens ws(s)://<page host>/ws/disponibilites/ (anonymous, read-only; docs/events.md) and
 * listens to `availability.changed` {sessions: {"<id>": {free, capacity} | null}, version}.
 * Events read after two sales can arrive in either order: for each session the page keeps the
 * reading with the greatest `version` ([a, b], compared a first) and ignores older ones; the
 * catch-up's answer carries its version too. On every
 * (re)connection, the first one included, it catches up over HTTP:
 * GET /disponibilites/?seances=<ids on the page> (ids missing from the answer are gone). When
 * the socket closes it reconnects with backoff. <html> carries
 * data-availability="connecting|open|closed|off" (for people and tests alike).
 *
 * Optional attributes on the <script> tag: data-url (catch-up URL), data-ws-path, and the
 * texts data-label-one, data-label-many ("{n}" is the number), data-label-full,
 * data-label-gone, for another language.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var options = (script && script.dataset) || {};
  var catchUpUrl = options.url || "/disponibilites/";
  var wsPath = options.wsPath || "/ws/disponibilites/";
  var labels = {
    one: options.labelOne || "1 place libre",
    many: options.labelMany || "{n} places libres",
    full: options.labelFull || "Complet",
    gone: options.labelGone || "Indisponible"
  };
  var MAX_IDS = 200; // the catch-up answers at most 200 sessions per request

  var socket = null;
  var retries = 0;
  var retryTimer = null;
  var stopped = false;
  var catchingUp = false;
  var eventsDuringCatchUp = false;
  var root = document.documentElement;

  /* --- The page ------------------------------------------------------------------------- */

  var versions = {}; // session id -> the version of the reading it shows

  function isVersion(version) {
    return (
      Array.isArray(version) &&
      version.length === 2 &&
      typeof version[0] === "number" &&
      typeof version[1] === "number"
    );
  }

  /* Whether a reading of `version` is older than the one session `id` shows. */
  function older(id, version) {
    var shown = versions[id];
    if (!isVersion(version) || !shown) return false;
    return version[0] < shown[0] || (version[0] === shown[0] && version[1] < shown[1]);
  }

  function remember(id, version) {
    if (isVersion(version)) versions[id] = version;
  }

  function sessionIds() {
    var seen = {};
    var ids = [];
    document.querySelectorAll("[data-session-seats]").forEach(function (el) {
      var id = el.getAttribute("data-session-seats");
      if (/^[0-9]+$/.test(id) && !seen[id]) {
        seen[id] = true;
        ids.push(id);
      }
    });
    return ids;
  }

  function label(seats) {
    if (!seats) return labels.gone;
    if (seats.free <= 0) return labels.full;
    if (seats.free === 1) return labels.one;
    return labels.many.replace("{n}", String(seats.free));
  }

  /* seats: {free, capacity}, or null for a session the shop no longer offers. */
  function show(id, seats) {
    var valid = seats && typeof seats.free === "number" && typeof seats.capacity === "number";
    if (seats && !valid) return; // not ours: leave the page as it is
    var closed = !seats || seats.free <= 0;
    var text = label(seats);
    document.querySelectorAll('[data-session-seats="' + id + '"]').forEach(function (el) {
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("is-full", closed);
      el.setAttribute("data-free", seats ? String(Math.max(0, seats.free)) : "0");
    });
    document.querySelectorAll('[data-book-session="' + id + '"]').forEach(function (button) {
      if (closed) {
        if (!button.disabled) {
          button.disabled = true;
          button.setAttribute("data-availability-disabled", "");
        }
      } else if (button.hasAttribute("data-availability-disabled")) {
        button.disabled = false;
        button.removeAttribute("data-availability-disabled");
      }
    });
  }

  function showAll(sessions, version) {
    Object.keys(sessions || {}).forEach(function (id) {
      if (/^[0-9]+$/.test(id) && !older(id, version)) {
        show(id, sessions[id]);
        remember(id, version);
      }
    });
  }

  /* --- Catch-up over HTTP ------------------------------------------------------------------ */

  function fetchChunk(ids) {
    var url = catchUpUrl + "?seances=" + ids.join(",");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("catch-up answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        var sessions = data.sessions || {};
        ids.forEach(function (id) {
          if (older(id, data.version)) return;
          show(id, Object.prototype.hasOwnProperty.call(sessions, id) ? sessions[id] : null);
          remember(id, data.version);
        });
      });
  }

  function fetchAll() {
    var ids = sessionIds();
    var chunks = [];
    for (var i = 0; i < ids.length; i += MAX_IDS) chunks.push(fetchChunk(ids.slice(i, i + MAX_IDS)));
    return Promise.all(chunks);
  }

  function catchUp(rounds) {
    if (catchingUp) return;
    catchingUp = true;
    eventsDuringCatchUp = false;
    rounds = rounds || 0;
    fetchAll()
      .then(function () {
        catchingUp = false;
        retries = 0;
        // An event came while the answer was on its way: it may be newer or older than the
        // answer, so ask again (the answer is always the latest state).
        if (eventsDuringCatchUp && rounds < 5) catchUp(rounds + 1);
      })
      .catch(function () {
        catchingUp = false;
        if (socket) socket.close(); // the next connection catches up again
      });
  }

  /* --- The socket ---------------------------------------------------------------------------- */

  function handle(message) {
    if (!message || message.type !== "availability.changed") return;
    if (catchingUp) eventsDuringCatchUp = true;
    var payload = message.payload || {};
    showAll(payload.sessions, payload.version);
  }

  function connect() {
    if (stopped || socket) return;
    if (!("WebSocket" in window)) {
      root.setAttribute("data-availability", "off");
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    root.setAttribute("data-availability", "connecting");
    var ws = new WebSocket(scheme + window.location.host + wsPath);
    socket = ws;
    ws.onopen = function () {
      root.setAttribute("data-availability", "open");
      catchUp(); // what changed before this socket joined its group
    };
    ws.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handle(message);
    };
    ws.onclose = function (event) {
      if (socket === ws) socket = null;
      root.setAttribute("data-availability", "closed");
      // 4400 client message, 4403 other origin, 4404 unknown or suspended structure: retrying
      // won't help.
      if (event.code === 4400 || event.code === 4403 || event.code === 4404) {
        stopped = true;
        root.setAttribute("data-availability", "off");
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

  function start() {
    if (!document.querySelector("[data-session-seats]")) {
      root.setAttribute("data-availability", "off"); // nothing to keep up to date
      return;
    }
    window.addEventListener("online", reconnectNow);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") reconnectNow();
    });
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
