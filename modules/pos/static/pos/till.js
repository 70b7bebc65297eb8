// The till on every /caisse/ page (PO-1, PO-8): the function bar's arrow, the online/offline
// banner, the service worker, the device's signing of tickets, and the sync loop that sends
// the tickets waiting in IndexedDB to the server, in device order, once each.
(function () {
  "use strict";
  const app = document.getElementById("till-app");
  if (!app) return;
  const DB = window.PosDB;
  const till = app.dataset.till ? Number(app.dataset.till) : null;
  const SYNC_EVERY_MS = 5000;
  const PROBE_TIMEOUT_MS = 2500;
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("ponton-till") : null;

  // --- Function bar: the white arrow scrolls the functions ---------------------------------
  const bar = document.querySelector(".till-functions-list");
  if (bar) {
    const back = document.querySelector(".till-scroll-back");
    const next = document.querySelector(".till-scroll-next");
    const arrows = () => {
      const more = bar.scrollWidth - bar.clientWidth - bar.scrollLeft > 2;
      if (next) next.hidden = !more;
      if (back) back.hidden = bar.scrollLeft <= 2;
    };
    document.querySelectorAll("[data-till-scroll]").forEach((button) => {
      button.addEventListener("click", () => {
        const step = Number(button.dataset.tillScroll) * Math.max(200, bar.clientWidth * 0.7);
        bar.scrollBy({ left: step, behavior: "smooth" });
      });
    });
    bar.addEventListener("scroll", arrows, { passive: true });
    window.addEventListener("resize", arrows);
    arrows();
  }

  // --- Canonical text and signature (modules/pos/signing.py) --------------------------------
  // JSON with keys sorted, no spaces, non-ASCII kept: JSON.stringify of a key-sorted copy.
  function sorted(value) {
    if (Array.isArray(value)) return value.map(sorted);
    if (value && typeof value === "object") {
      const out = {};
      Object.keys(value)
        .sort()
        .forEach((key) => {
          out[key] = sorted(value[key]);
        });
      return out;
    }
    return value;
  }
  function canonicalText(payload) {
    return JSON.stringify(sorted(payload));
  }
  function keyBytes(key) {
    const b64 = key.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((key.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }
  async function sign(key, payload) {
    const cryptoKey = await crypto.subtle.importKey(
      "raw",
      keyBytes(key),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign(
      "HMAC",
      cryptoKey,
      new TextEncoder().encode(canonicalText(payload)),
    );
    return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // --- Talking to the server -----------------------------------------------------------------
  function csrfToken() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return found ? decodeURIComponent(found.split("=")[1]) : app.dataset.csrf;
  }
  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
    });
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("application/json")) {
      data = await response.json();
    }
    return { status: response.status, data };
  }

  // --- State and banner --------------------------------------------------------------------
  const state = { online: navigator.onLine, loggedOut: false, waiting: 0, refused: 0 };
  const status = document.getElementById("till-status");
  function say(template, n) {
    return (template || "").replace("{n}", String(n));
  }
  function render() {
    if (!status) return;
    const d = status.dataset;
    let text;
    if (state.loggedOut) text = say(d.msgLoggedOut, state.waiting);
    else if (!state.online) text = say(d.msgOffline, state.waiting);
    else if (state.waiting) text = say(d.msgOnlineWaiting, state.waiting);
    else text = d.msgOnline;
    if (state.refused) text += " · " + say(d.msgRefused, state.refused);
    status.textContent = text;
    status.classList.toggle("offline", !state.online || state.loggedOut);
    status.classList.toggle("waiting", state.online && state.waiting > 0);
    status.dataset.state = state.loggedOut ? "logged-out" : state.online ? "online" : "offline";
    status.dataset.waiting = String(state.waiting);
  }
  async function recount() {
    if (till === null) return render();
    const all = await DB.tickets(till);
    state.waiting = all.filter((t) => t.status === "pending").length;
    state.refused = all.filter((t) => t.status === "refused").length;
    render();
    document.dispatchEvent(new CustomEvent("pos:tickets", { detail: { tickets: all } }));
  }
  function setOnline(online) {
    if (state.online !== online) {
      state.online = online;
      render();
      document.dispatchEvent(new CustomEvent("pos:online", { detail: { online } }));
    }
  }

  // Is the server there (and the cashier still logged in)? Not answered by the worker.
  async function probe() {
    if (!navigator.onLine) {
      setOnline(false);
      return false;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    try {
      const response = await fetch(app.dataset.pingUrl, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      state.loggedOut = response.status === 403;
      setOnline(response.ok || response.status === 403);
      render();
      return response.ok;
    } catch (error) {
      setOnline(false);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  // --- The device --------------------------------------------------------------------------
  // Registered once per till and browser: its uid, number and key stay in IndexedDB.
  async function device(tillId, label) {
    const known = await DB.get("devices", tillId);
    if (known) return known;
    return withLock(`ponton-till-device-${tillId}`, {}, () => register(tillId, label));
  }
  async function register(tillId, label) {
    const known = await DB.get("devices", tillId); // registered by another tab meanwhile
    if (known) return known;
    const { status: code, data } = await postJSON(app.dataset.deviceUrl, {
      till: tillId,
      label: label || navigator.userAgent.slice(0, 200),
    });
    if (code !== 201 || !data || !data.device) {
      const error = new Error((data && data.error) || "registration failed");
      error.code = (data && data.code) || "network";
      throw error;
    }
    const record = {
      till: tillId,
      uid: data.device.uid,
      number: data.device.number,
      key: data.device.key,
      code: data.device.code,
      last_sequence: 0,
      registered_at: new Date().toISOString(),
    };
    try {
      await DB.addDevice(record);
    } catch (e) {
      /* another tab (without Web Locks) registered first: keep its device */
    }
    return DB.get("devices", tillId);
  }

  function withLock(name, options, work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(name, options, work);
    }
    return work({ name }); // no Web Locks: the IndexedDB check in storeTicket still holds
  }

  // Make a ticket ON THE DEVICE: numbered, keyed, signed, stored in IndexedDB (committed)
  // before anything is sent. `sale`: {session, customer, lines, payments, total, offline,
  // display}. Returns the stored record.
  async function makeTicket(sale) {
    return withLock(`ponton-till-sequence-${till}`, {}, async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const dev = await DB.get("devices", till);
        if (!dev) throw new Error("no device");
        const sequence = dev.last_sequence + 1;
        const payload = {
          v: 1,
          key: uuid(),
          till,
          device: dev.uid,
          sequence,
          sold_at: new Date().toISOString(),
          session: sale.session,
          customer: sale.customer,
          lines: sale.lines,
          payments: sale.payments,
          total: sale.total,
          offline: Boolean(sale.offline),
        };
        const record = {
          key: payload.key,
          till,
          sequence,
          number: `${dev.code}-${String(dev.number).padStart(2, "0")}-${String(sequence).padStart(6, "0")}`,
          payload,
          signature: await sign(dev.key, payload),
          status: "pending",
          message: "",
          code: "",
          created_at: payload.sold_at,
          display: sale.display || null,
          server: null,
        };
        try {
          await DB.storeTicket(record, dev.last_sequence);
          if (channel) channel.postMessage({ type: "tickets" });
          recount();
          return record;
        } catch (error) {
          if (error.message !== "sequence moved") throw error;
        }
      }
      throw new Error("sequence busy");
    });
  }

  // --- Sync: in device order, one at a time, only one tab at a time -------------------------
  let syncing = false;
  async function syncNow() {
    if (till === null || syncing) return;
    syncing = true;
    try {
      await withLock(`ponton-till-sync-${till}`, { ifAvailable: true }, async (lock) => {
        if (!lock) return; // another tab is syncing
        await syncQueue();
      });
    } finally {
      syncing = false;
      await recount();
    }
  }

  async function syncQueue() {
    const pending = (await DB.tickets(till)).filter((t) => t.status === "pending");
    for (const ticket of pending) {
      let answer;
      try {
        answer = await postJSON(app.dataset.syncUrl, {
          payload: ticket.payload,
          signature: ticket.signature,
        });
      } catch (error) {
        setOnline(false); // the network or the server is gone: try again later
        return;
      }
      setOnline(true);
      const { status: code, data } = answer;
      if ((code === 200 || code === 201) && data && data.ok) {
        state.loggedOut = false;
        await DB.updateTicket(ticket.key, {
          status: "synced",
          message: "",
          code: data.duplicate ? "duplicate" : "",
          server: data.ticket,
          synced_at: new Date().toISOString(),
        });
        if (channel) channel.postMessage({ type: "tickets" });
        document.dispatchEvent(new CustomEvent("pos:synced", { detail: { key: ticket.key } }));
        continue;
      }
      if (code === 403 || !data || code >= 500 || code === 429) {
        // Logged out, CSRF refused, server error: nothing is decided, the ticket waits.
        state.loggedOut = code === 403;
        render();
        return;
      }
      if (data.code === "out_of_order" || data.code === "closed" || data.code === "too_old") {
        // An earlier ticket of this device is not recorded, or the till must be opened or
        // closed (X->Z) first: the ticket waits, nothing is decided.
        await DB.updateTicket(ticket.key, { message: data.error, code: data.code });
        return;
      }
      // Refused for good (signature, key reused, prices changed…): kept here, marked.
      await DB.updateTicket(ticket.key, {
        status: "refused",
        message: data.error,
        code: data.code,
      });
      document.dispatchEvent(new CustomEvent("pos:refused", { detail: { key: ticket.key } }));
    }
  }

  // --- Start --------------------------------------------------------------------------------
  async function tick() {
    if (await probe()) await syncNow();
    else await recount();
  }
  window.addEventListener("online", () => {
    state.online = true;
    tick();
  });
  window.addEventListener("offline", () => setOnline(false));
  if (channel) channel.onmessage = () => recount();
  if ("serviceWorker" in navigator && app.dataset.swUrl) {
    navigator.serviceWorker
      .register(app.dataset.swUrl, { scope: app.dataset.homeUrl })
      .catch(() => null);
  }
  setInterval(tick, SYNC_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") tick();
  });
  recount().then(tick);

  window.PosTill = {
    till,
    state,
    canonicalText,
    sign,
    uuid,
    postJSON,
    probe,
    device,
    makeTicket,
    syncNow,
    recount,
    tickets: () => (till === null ? Promise.resolve([]) : DB.tickets(till)),
  };
})();
