// The sell screen (PO-1): product and session buttons by category with a search, the basket
// (quantities, rates, consumers, customer), payment by one or several methods with the change
// for cash, then the ticket made on the device (till.js) and its "justificatif d'achat".
// Amounts are counted in cents; they leave as strings with two places ("12.50").
(function () {
  "use strict";
  const configNode = document.getElementById("till-config");
  if (!configNode || !window.PosTill) return;
  const config = JSON.parse(configNode.textContent);
  const M = config.messages;
  const Till = window.PosTill;
  const DB = window.PosDB;
  const $ = (id) => document.getElementById(id);

  // --- Formats -----------------------------------------------------------------------------
  function cents(text) {
    if (typeof text === "number") return text;
    const clean = String(text).replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
    const [euros, dec = ""] = clean.split(".");
    return Number(euros) * 100 + Number((dec + "00").slice(0, 2));
  }
  function plain(c) {
    return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
  }
  function money(c) {
    const sign = c < 0 ? "-" : "";
    const abs = Math.abs(c);
    const euros = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    return `${sign}${euros},${String(abs % 100).padStart(2, "0")} €`;
  }
  function frenchInput(c) {
    return plain(c).replace(".", ",");
  }
  // Times as the structure reads them (Europe/Paris), whatever the device's own time zone.
  const PARIS = new Intl.DateTimeFormat("fr-FR", {
    timeZone: "Europe/Paris",
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  function when(iso) {
    const parts = Object.fromEntries(PARIS.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
    return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
  }
  function fill(template, values) {
    return Object.entries(values).reduce((s, [k, v]) => s.split(`{${k}}`).join(v), template);
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.flat().forEach((c) => c !== null && c !== undefined && node.append(c));
    return node;
  }
  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  // --- Catalogue -----------------------------------------------------------------------------
  let catalogue = { products: [], sessions: [], categories: [] };
  let products = new Map();
  let category = null;

  async function loadCatalogue() {
    try {
      const response = await fetch(config.urls.catalogue, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      catalogue = await response.json();
      products = new Map(catalogue.products.map((p) => [p.id, p]));
      renderCategories();
      renderButtons();
    } catch (error) {
      if (!catalogue.products.length) {
        $("sell-buttons").replaceChildren(el("p", { class: "till-error", text: M.catalogue_offline }));
      }
    }
  }

  function buttons() {
    const items = [];
    for (const product of catalogue.products) {
      if (product.kind === "activity") {
        for (const session of catalogue.sessions.filter((s) => s.product === product.id)) {
          items.push({ product, session });
        }
      } else {
        items.push({ product, session: null });
      }
    }
    return items;
  }

  function renderCategories() {
    const bar = $("sell-categories");
    const used = new Set(buttons().map((b) => b.product.category));
    const choices = [{ id: null, name: M.all }].concat(
      catalogue.categories.filter((c) => used.has(c.id)),
    );
    bar.replaceChildren(
      ...choices.map((c) =>
        el("button", {
          type: "button",
          class: "sell-category" + (c.id === category ? " active" : ""),
          "aria-pressed": c.id === category ? "true" : "false",
          text: c.name,
          onclick: () => {
            category = c.id;
            renderCategories();
            renderButtons();
          },
        }),
      ),
    );
  }

  function priceOf(product, rateId) {
    const rate = product.rates.find((r) => r.id === rateId);
    return cents(rate ? rate.amount : product.price);
  }

  function renderButtons() {
    const query = $("sell-search").value.trim().toLowerCase();
    const shown = buttons().filter(
      ({ product }) =>
        (category === null || product.category === category || query) &&
        (!query || product.name.toLowerCase().includes(query) || product.barcode === query),
    );
    const box = $("sell-buttons");
    if (!shown.length) {
      box.replaceChildren(el("p", { class: "muted", text: M.no_products }));
      return;
    }
    box.replaceChildren(
      ...shown.map(({ product, session }) => {
        const prices = product.rates.length ? product.rates.map((r) => cents(r.amount)) : [cents(product.price)];
        const low = Math.min(...prices);
        const price = prices.length > 1 ? fill(M.from_price, { price: money(low) }) : money(low);
        let detail = null;
        let full = false;
        if (session) {
          full = session.free <= 0;
          detail = el("span", {
            class: "sell-btn-detail",
            text: `${session.time}–${session.end_time} · ${full ? M.full : fill(M.places, { n: session.free })}`,
          });
        } else if (product.stock_free !== null) {
          full = product.stock_free <= 0;
          detail = el("span", {
            class: "sell-btn-detail",
            text: full ? M.out_of_stock : fill(M.in_stock, { n: product.stock_free }),
          });
        }
        return el(
          "button",
          {
            type: "button",
            class: "sell-btn" + (session ? " activity" : "") + (full ? " full" : ""),
            "data-product": product.id,
            "data-session": session ? session.id : null,
            onclick: () => addLine(product, session),
          },
          el("span", { class: "sell-btn-name", text: product.name }),
          detail,
          el("span", { class: "sell-btn-price", text: price }),
        );
      }),
    );
  }

  // --- Basket --------------------------------------------------------------------------------
  const basket = { customer: null, lines: [] };
  let lineIds = 0;

  function addLine(product, session) {
    showError($("basket-error"), "");
    const rate = product.rates.length ? product.rates[0].id : null;
    const same = basket.lines.find(
      (l) =>
        l.product === product.id &&
        l.session === (session ? session.id : null) &&
        l.rate === rate &&
        !product.consumer_required,
    );
    if (same) same.quantity += 1;
    else {
      basket.lines.push({
        uid: ++lineIds,
        product: product.id,
        session: session ? session.id : null,
        sessionLabel: session ? `${session.time}–${session.end_time}` : "",
        rate,
        consumer: product.consumer_required && basket.customer ? basket.customer : null,
        quantity: Math.max(1, product.min_quantity || 1),
      });
    }
    renderBasket();
  }

  // The lines as priced, with the mandatory associated products the server adds by itself
  // (ponton.sales.services.with_mandatory): once per basket, at the quantity of the line that
  // brings them, not when the basket already holds them.
  function priced() {
    const rows = [];
    const present = new Set(basket.lines.map((l) => l.product));
    let total = 0;
    for (const line of basket.lines) {
      const product = products.get(line.product);
      if (!product) continue;
      const unit = priceOf(product, line.rate);
      const rate = product.rates.find((r) => r.id === line.rate);
      rows.push({ line, product, unit, amount: unit * line.quantity, rate });
      total += unit * line.quantity;
      for (const associated of product.mandatory) {
        if (present.has(associated.id)) continue;
        present.add(associated.id);
        const unitA = cents(associated.price);
        rows.push({ mandatory: true, name: associated.name, quantity: line.quantity, unit: unitA, amount: unitA * line.quantity });
        total += unitA * line.quantity;
      }
    }
    return { rows, total };
  }

  function renderBasket() {
    const { rows, total } = priced();
    const list = $("basket-lines");
    list.replaceChildren(
      ...rows.map((row) => {
        if (row.mandatory) {
          return el(
            "li",
            { class: "basket-line mandatory" },
            el("span", { class: "basket-line-name", text: `${row.name} (${M.mandatory})` }),
            el("span", { class: "basket-line-qty", text: `× ${row.quantity}` }),
            el("span", { class: "basket-line-amount", text: money(row.amount) }),
          );
        }
        const { line, product } = row;
        const name = line.sessionLabel ? `${product.name} · ${line.sessionLabel}` : product.name;
        const controls = [];
        if (product.rates.length) {
          const id = `rate-${line.uid}`;
          controls.push(
            el("label", { for: id, class: "basket-small-label", text: M.rate }),
            el(
              "select",
              {
                id,
                class: "basket-rate",
                onchange: (e) => {
                  line.rate = Number(e.target.value);
                  renderBasket();
                },
              },
              ...product.rates.map((r) =>
                el("option", { value: r.id, selected: r.id === line.rate, text: `${r.name} — ${money(cents(r.amount))}` }),
              ),
            ),
          );
        }
        if (product.consumer_required) {
          controls.push(
            el("button", {
              type: "button",
              class: "btn secondary basket-consumer" + (line.consumer ? "" : " missing"),
              text: line.consumer ? fill(M.consumer_is, { name: line.consumer.name }) : M.choose_consumer,
              onclick: () => openCustomers({ line }),
            }),
          );
        }
        return el(
          "li",
          { class: "basket-line", "data-line": line.uid },
          el("span", { class: "basket-line-name", text: name }),
          el(
            "span",
            { class: "basket-line-qty" },
            el("button", {
              type: "button",
              class: "qty-btn",
              "aria-label": fill(M.less, { name: product.name }),
              text: "−",
              onclick: () => {
                if (line.quantity > Math.max(1, product.min_quantity || 1)) line.quantity -= 1;
                renderBasket();
              },
            }),
            el("span", { class: "qty", "aria-label": M.quantity, text: String(line.quantity) }),
            el("button", {
              type: "button",
              class: "qty-btn",
              "aria-label": fill(M.more, { name: product.name }),
              text: "+",
              onclick: () => {
                if (line.quantity < 999) line.quantity += 1;
                renderBasket();
              },
            }),
          ),
          el("span", { class: "basket-line-amount", text: money(row.amount) }),
          el("button", {
            type: "button",
            class: "basket-remove",
            "aria-label": fill(M.remove, { name: product.name }),
            text: "✕",
            onclick: () => {
              basket.lines = basket.lines.filter((l) => l !== line);
              renderBasket();
            },
          }),
          controls.length ? el("div", { class: "basket-line-controls" }, ...controls) : null,
        );
      }),
    );
    $("basket-empty").hidden = basket.lines.length > 0;
    $("basket-total").textContent = money(total);
    $("basket-pay").disabled = basket.lines.length === 0;
    $("basket-customer-name").textContent = basket.customer ? basket.customer.name : config.walk_in.name;
    $("basket-customer-clear").hidden = !basket.customer;
  }

  $("basket-clear").addEventListener("click", () => {
    basket.lines = [];
    basket.customer = null;
    showError($("basket-error"), "");
    renderBasket();
  });
  $("sell-search").addEventListener("input", renderButtons);
  $("basket-customer-clear").addEventListener("click", () => {
    basket.customer = null;
    renderBasket();
  });

  // --- Customers: payer or consumer ---------------------------------------------------------
  let customerFor = null; // null: the payer; {line}: a line's consumer
  let searchTimer = null;

  async function recentCustomers() {
    const found = await DB.get("kv", "recent_customers");
    return found ? found.value : [];
  }
  async function remember(customer) {
    const recent = (await recentCustomers()).filter((c) => c.id !== customer.id);
    recent.unshift(customer);
    await DB.put("kv", { k: "recent_customers", value: recent.slice(0, 50) });
  }

  function openCustomers(target) {
    customerFor = target;
    $("customer-title").textContent = target ? M.choose_consumer : M.choose_customer;
    showError($("customer-error"), "");
    $("customer-search").value = "";
    showRecent();
    $("customer-dialog").showModal();
    $("customer-search").focus();
  }

  async function showRecent() {
    renderCustomers(await recentCustomers(), "");
  }

  function pick(customer) {
    remember(customer);
    if (customerFor && customerFor.line) {
      customerFor.line.consumer = customer;
    } else {
      basket.customer = customer;
      for (const line of basket.lines) {
        const product = products.get(line.product);
        if (product && product.consumer_required && !line.consumer) line.consumer = customer;
      }
    }
    $("customer-dialog").close();
    renderBasket();
  }

  function renderCustomers(list, note) {
    const box = $("customer-results");
    const items = list.map((c) =>
      el(
        "li",
        {},
        el(
          "button",
          { type: "button", class: "customer-choice", onclick: () => pick(c) },
          el("strong", { text: c.name }),
          c.email ? el("span", { text: c.email }) : null,
          cents(c.credit || "0") > 0 ? el("span", { class: "badge green", text: fill(M.credit, { amount: money(cents(c.credit)) }) }) : null,
        ),
      ),
    );
    if (note) items.unshift(el("li", { class: "muted", text: note }));
    box.replaceChildren(...items);
  }

  $("customer-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    const query = $("customer-search").value.trim();
    searchTimer = setTimeout(async () => {
      if (query.length < 2) return showRecent();
      try {
        const response = await fetch(`${config.urls.customers}?q=${encodeURIComponent(query)}`, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(String(response.status));
        const data = await response.json();
        renderCustomers(data.customers, data.customers.length ? "" : M.no_customer);
      } catch (error) {
        const words = query.toLowerCase().split(/\s+/);
        const recent = (await recentCustomers()).filter((c) =>
          words.every((w) => `${c.name} ${c.email}`.toLowerCase().includes(w)),
        );
        renderCustomers(recent, M.customers_offline);
      }
    }, 250);
  });

  $("customer-create-btn").addEventListener("click", async () => {
    showError($("customer-error"), "");
    try {
      const { status, data } = await Till.postJSON(config.urls.customer_new, {
        first_name: $("new-first-name").value,
        last_name: $("new-last-name").value,
        email: $("new-email").value,
        mobile: $("new-mobile").value,
      });
      if (status !== 201) return showError($("customer-error"), (data && data.error) || M.server_error);
      ["new-first-name", "new-last-name", "new-email", "new-mobile"].forEach((id) => ($(id).value = ""));
      $("customer-create").open = false;
      pick(data.customer);
    } catch (error) {
      showError($("customer-error"), M.create_offline);
    }
  });
  $("customer-cancel").addEventListener("click", () => $("customer-dialog").close());
  $("basket-customer-btn").addEventListener("click", () => openCustomers(null));

  // --- Payment -------------------------------------------------------------------------------
  let payments = [];
  let method = null;
  let total = 0;

  function paid() {
    return payments.reduce((s, p) => s + p.amount, 0);
  }
  function due() {
    return Math.max(0, total - paid());
  }
  function change() {
    const cash = payments.filter((p) => p.method === "cash").reduce((s, p) => s + p.amount, 0);
    return Math.min(cash, Math.max(0, paid() - total));
  }
  function label(code) {
    return (config.methods.find((m) => m.code === code) || { label: code }).label;
  }

  function renderPayment() {
    $("pay-total").textContent = money(total);
    $("pay-due").textContent = money(due());
    $("pay-methods").replaceChildren(
      ...config.methods.map((m) =>
        el("button", {
          type: "button",
          class: "pay-method" + (m.code === method ? " active" : ""),
          "aria-pressed": m.code === method ? "true" : "false",
          text: m.label,
          disabled: due() === 0,
          onclick: () => chooseMethod(m.code),
        }),
      ),
    );
    $("pay-list").replaceChildren(
      ...payments.map((p, index) =>
        el(
          "li",
          { class: "pay-line" },
          el("span", { text: label(p.method) + (p.method === "cash" ? ` (${M.handed})` : "") }),
          el("strong", { text: money(p.amount) }),
          el("button", {
            type: "button",
            class: "basket-remove",
            "aria-label": fill(M.remove, { name: label(p.method) }),
            text: "✕",
            onclick: () => {
              payments.splice(index, 1);
              renderPayment();
            },
          }),
        ),
      ),
    );
    if (change() > 0) {
      $("pay-list").append(el("li", { class: "pay-line change" }, el("span", { text: M.change }), el("strong", { text: money(change()) })));
    }
    $("pay-confirm").disabled = due() > 0 || payments.length === 0;
    $("pay-entry").hidden = method === null || due() === 0;
  }

  function chooseMethod(code) {
    method = code;
    showError($("pay-error"), "");
    $("pay-amount-label").textContent = code === "cash" ? M.amount_handed : M.amount;
    $("pay-amount").value = frenchInput(due());
    $("pay-cheque").hidden = code !== "cheque";
    $("pay-change").hidden = code !== "cash";
    updateChange();
    renderPayment();
    $("pay-amount").focus();
    $("pay-amount").select();
  }

  function updateChange() {
    const value = cents($("pay-amount").value);
    const rest = value === null ? 0 : Math.max(0, value - due());
    $("pay-change-amount").textContent = money(rest);
  }
  $("pay-amount").addEventListener("input", updateChange);

  $("pay-add").addEventListener("click", () => {
    const amount = cents($("pay-amount").value);
    if (amount === null || amount <= 0) return showError($("pay-error"), M.amount_invalid);
    if (method !== "cash" && amount > due()) {
      return showError($("pay-error"), fill(M.amount_over, { due: money(due()) }));
    }
    const entry = { method, amount };
    if (method === "cheque") {
      entry.cheque_bank = $("pay-cheque-bank").value.trim();
      entry.cheque_number = $("pay-cheque-number").value.trim();
      entry.cheque_issuer = $("pay-cheque-issuer").value.trim();
      if (!entry.cheque_bank || !entry.cheque_number || !entry.cheque_issuer) {
        return showError($("pay-error"), M.cheque_missing);
      }
    }
    if (method === "credit") {
      if (!basket.customer) return showError($("pay-error"), M.credit_no_customer);
      const available = cents(basket.customer.credit || "0");
      const used = payments.filter((p) => p.method === "credit").reduce((s, p) => s + p.amount, 0);
      if (amount > available - used) {
        return showError($("pay-error"), fill(M.credit_over, { amount: money(available - used) }));
      }
    }
    payments.push(entry);
    method = null;
    showError($("pay-error"), "");
    ["pay-cheque-bank", "pay-cheque-number", "pay-cheque-issuer"].forEach((id) => ($(id).value = ""));
    renderPayment();
  });

  function tooOld() {
    if (!config.session) return false;
    const age = Date.now() - Date.parse(config.session.opened_at);
    return age > config.session_max_age_hours * 3600 * 1000;
  }

  $("basket-pay").addEventListener("click", () => {
    showError($("basket-error"), "");
    if (!basket.lines.length) return showError($("basket-error"), M.empty);
    for (const line of basket.lines) {
      const product = products.get(line.product);
      if (product && product.consumer_required && !line.consumer) {
        return showError($("basket-error"), fill(M.consumer_missing, { name: product.name }));
      }
    }
    if (tooOld() && Till.state.online) return showError($("basket-error"), M.too_old);
    total = priced().total;
    payments = [];
    method = null;
    showError($("pay-error"), "");
    renderPayment();
    $("pay-dialog").showModal();
  });
  $("pay-cancel").addEventListener("click", () => $("pay-dialog").close());

  // --- The ticket: made on the device, then sent ---------------------------------------------
  $("pay-confirm").addEventListener("click", async () => {
    const button = $("pay-confirm");
    button.disabled = true;
    button.textContent = M.saving;
    try {
      const online = await Till.probe();
      if (online && tooOld()) throw new Error(M.too_old);
      let device = await DB.get("devices", config.till.id);
      if (!device) {
        if (!online) throw new Error(M.no_device);
        device = await Till.device(config.till.id);
      }
      const { rows } = priced();
      const sale = {
        session: config.session ? config.session.id : null,
        customer: basket.customer ? basket.customer.id : null,
        lines: basket.lines.map((l) => ({
          product: l.product,
          session: l.session,
          rate: l.rate,
          consumer: l.consumer ? l.consumer.id : null,
          quantity: l.quantity,
        })),
        payments: payments.map((p) => {
          const out = { method: p.method, amount: plain(p.amount) };
          if (p.method === "cheque") {
            out.cheque_bank = p.cheque_bank;
            out.cheque_number = p.cheque_number;
            out.cheque_issuer = p.cheque_issuer;
          }
          return out;
        }),
        total: plain(total),
        offline: !online,
        display: {
          customer: basket.customer ? basket.customer.name : config.walk_in.name,
          user: config.user,
          lines: rows.map((r) => ({
            label: r.mandatory
              ? r.name
              : r.line.sessionLabel
                ? `${r.product.name} · ${r.line.sessionLabel}`
                : r.product.name,
            rate: r.rate ? r.rate.name : "",
            quantity: r.mandatory ? r.quantity : r.line.quantity,
            amount: plain(r.amount),
          })),
          payments: payments.map((p) => ({ label: label(p.method), amount: plain(p.amount) })),
          change: plain(change()),
          total: plain(total),
        },
      };
      const record = await Till.makeTicket(sale);
      $("pay-dialog").close();
      basket.lines = [];
      basket.customer = null;
      renderBasket();
      showReceipt(record);
      Till.syncNow();
    } catch (error) {
      showError($("pay-error"), fill(M.save_failed, { error: error.message || String(error) }));
    } finally {
      button.textContent = M.confirm;
      button.disabled = due() > 0 || payments.length === 0;
    }
  });

  let receiptKey = null;
  function stateText(ticket) {
    if (ticket.status === "synced") return M.state_synced;
    if (ticket.status === "refused") return fill(M.state_refused, { message: ticket.message });
    return ticket.message ? `${M.state_pending} — ${ticket.message}` : M.state_pending;
  }

  function showReceipt(ticket) {
    receiptKey = ticket.key;
    const d = ticket.display || {};
    const body = $("receipt-body");
    body.replaceChildren(
      ...[
      el("p", { class: "receipt-number" }, el("strong", { text: fill(M.ticket_number, { number: ticket.number }) })),
      el("p", { text: `${M.sold_at} ${when(ticket.created_at)} · ${config.till.name} · ${d.user || ""}` }),
      el("p", { text: `${M.customer} : ${d.customer || ""}` }),
      el(
        "table",
        { class: "receipt-lines" },
        el("tbody", {}, ...(d.lines || []).map((l) =>
          el("tr", {}, el("td", { text: `${l.quantity} × ${l.label}${l.rate ? ` (${l.rate})` : ""}` }), el("td", { class: "right", text: money(cents(l.amount)) })),
        )),
        el("tfoot", {}, el("tr", {}, el("th", { text: M.total_ttc }), el("th", { class: "right", text: money(cents(d.total || "0")) }))),
      ),
      el("ul", { class: "receipt-payments" }, ...(d.payments || []).map((p) => el("li", { text: `${p.label} : ${money(cents(p.amount))}` }))),
      cents(d.change || "0") > 0 ? el("p", { class: "receipt-change" }, el("strong", { text: `${M.change} : ${money(cents(d.change))}` })) : null,
      ticket.payload.offline ? el("p", { class: "muted", text: M.made_offline }) : null,
    ].filter(Boolean),
    );
    updateReceipt(ticket);
    if (!$("receipt-dialog").open) $("receipt-dialog").showModal();
  }

  function updateReceipt(ticket) {
    if (ticket.key !== receiptKey) return;
    $("receipt-state").textContent = stateText(ticket);
    $("receipt-state").className = `receipt-state ${ticket.status}`;
    const link = $("receipt-link");
    if (ticket.status === "synced" && ticket.server) {
      link.href = ticket.server.url;
      link.hidden = false;
    } else link.hidden = true;
  }
  $("receipt-new").addEventListener("click", () => {
    $("receipt-dialog").close();
    receiptKey = null;
    loadCatalogue();
  });

  // --- This device's tickets -----------------------------------------------------------------
  document.addEventListener("pos:tickets", (event) => {
    const all = event.detail.tickets.slice().sort((a, b) => b.sequence - a.sequence);
    const current = all.find((t) => t.key === receiptKey);
    if (current) updateReceipt(current);
    $("device-tickets-count").textContent = `(${all.length})`;
    $("device-tickets-list").replaceChildren(
      ...all.slice(0, 30).map((t) =>
        el(
          "li",
          { class: `device-ticket ${t.status}`, "data-number": t.number },
          el("button", { type: "button", class: "link", text: t.number, onclick: () => showReceipt(t) }),
          el("span", { text: when(t.created_at) }),
          el("span", { class: "right", text: money(cents(t.payload.total)) }),
          el("span", { class: "device-ticket-state", text: stateText(t) }),
          t.status === "synced" && t.server ? el("a", { href: t.server.url, text: M.open_ticket }) : null,
        ),
      ),
    );
  });

  // --- Start ---------------------------------------------------------------------------------
  renderBasket();
  loadCatalogue();
  // Registered while the server is there, so that the till can sell when it is not.
  Till.probe().then((online) => {
    if (online) Till.device(config.till.id).catch(() => null);
  });
  setInterval(() => {
    if (Till.state.online && !$("pay-dialog").open) loadCatalogue();
  }, 60000);
})();
