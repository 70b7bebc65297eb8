/* E-marketing (EM-1), plain JavaScript, no build step (CSP: served as a static file).
 *
 * Editor page ([data-em-editor]): a small rich-text editor (bold, italic, link, list) over the
 * body textarea, the audience panels, the rule builder (rules combined with and/or, kept as
 * JSON in the hidden "audience_rules" input) and the live count of recipients (GET on the
 * count URL, debounced, on every change).
 * Campaign page ([data-em-progress]): live progress over the websocket
 * /ws/emarketing/<campaign id>/ ("emarketing.progress" events); when the socket (re)opens, the
 * page catches up over HTTP (GET <progress url>). Reconnects with backoff (1 s doubling, 30 s).
 */
(function () {
  "use strict";

  var FIELDS = {
    age_under: [["years", "number", 18]],
    age_between: [["min", "number", 18], ["max", "number", 25]],
    bought_product: [["product", "products"], ["from", "date"], ["to", "date"]],
    bought_category: [["category", "categories"], ["from", "date"], ["to", "date"]],
    member: [],
    attended: [["product", "activities"]],
    site: [["site", "sites"]],
    postal_code: [["prefix", "text", ""]],
    has_email: [],
    created_after: [["date", "date"]]
  };

  var LABELS = {};

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  /* ---- editor page ---- */
  var form = document.querySelector("[data-em-editor]");
  if (form) { editorPage(form); }

  function editorPage(form) {
    var source = form.querySelector("[data-em-source]");
    var editor = form.querySelector(".em-editor");
    var toolbar = form.querySelector(".em-toolbar");
    editor.innerHTML = source.value;
    source.hidden = true;
    source.style.display = "none";
    var sourceLabel = form.querySelector("#em-body-label");
    if (sourceLabel) { sourceLabel.hidden = true; }
    editor.hidden = false;
    toolbar.hidden = false;
    function sync() { source.value = editor.innerHTML; }
    editor.addEventListener("input", sync);
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-cmd]");
      if (!button) { return; }
      editor.focus();
      var cmd = button.getAttribute("data-cmd");
      var value = null;
      if (cmd === "createLink") {
        value = window.prompt(button.getAttribute("data-prompt"), "https://");
        if (!value) { return; }
      }
      document.execCommand(cmd, false, value);
      sync();
    });
    form.addEventListener("submit", sync);

    LABELS = readJson("em-labels");
    var choices = readJson("em-choices");
    var ruleTypes = readJson("em-rule-types");
    var hidden = form.querySelector("input[name=audience_rules]");
    var combine = form.querySelector("#em-combine");
    var list = form.querySelector(".em-rules");
    var countNode = form.querySelector("[data-em-count]");
    var countError = form.querySelector("[data-em-count-error]");
    var countUrl = form.getAttribute("data-count-url");
    var state = { combine: "and", rules: [] };
    var uid = 0;
    try {
      var initial = JSON.parse(hidden.value || "{}");
      if (initial && Array.isArray(initial.rules)) { state = initial; }
    } catch (e) { /* empty rules */ }
    combine.value = state.combine === "or" ? "or" : "and";

    function save() {
      state.combine = combine.value;
      hidden.value = JSON.stringify(state);
      scheduleCount();
    }

    function field(rule, spec) {
      var key = spec[0], kind = spec[1];
      var wrap = document.createElement("span");
      wrap.className = "em-rule-field";
      var id = "em-rule-" + (++uid);
      var label = document.createElement("label");
      label.setAttribute("for", id);
      var input;
      if (choices[kind]) {
        label.textContent = kind === "activities" ? LABELS.activity : LABELS[key];
        input = document.createElement("select");
        var empty = document.createElement("option");
        empty.value = ""; empty.textContent = "—";
        input.appendChild(empty);
        choices[kind].forEach(function (item) {
          var option = document.createElement("option");
          option.value = String(item.id);
          option.textContent = item.name;
          input.appendChild(option);
        });
      } else {
        label.textContent = LABELS[key];
        input = document.createElement("input");
        input.type = kind;
        if (kind === "number") { input.min = "0"; input.max = "150"; }
        if (kind === "text") { input.inputMode = "numeric"; input.maxLength = 5; }
      }
      input.id = id;
      if (rule[key] === undefined && spec.length > 2) { rule[key] = spec[2]; }
      input.value = rule[key] === undefined || rule[key] === null ? "" : String(rule[key]);
      input.addEventListener("input", function () {
        rule[key] = kind === "number" ? (input.value === "" ? "" : Number(input.value)) : input.value;
        save();
      });
      input.addEventListener("change", function () {
        rule[key] = kind === "number" ? (input.value === "" ? "" : Number(input.value)) : input.value;
        save();
      });
      wrap.appendChild(label);
      wrap.appendChild(input);
      return wrap;
    }

    function render() {
      list.textContent = "";
      state.rules.forEach(function (rule, index) {
        var li = document.createElement("li");
        li.className = "em-rule";
        li.setAttribute("data-rule", rule.type);
        var title = document.createElement("strong");
        title.textContent = ruleTypes[rule.type] || rule.type;
        li.appendChild(title);
        (FIELDS[rule.type] || []).forEach(function (spec) { li.appendChild(field(rule, spec)); });
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn secondary";
        remove.textContent = LABELS.remove;
        remove.setAttribute("aria-label", LABELS.remove_rule.replace("%s", title.textContent));
        remove.addEventListener("click", function () {
          state.rules.splice(index, 1);
          render();
          save();
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
    }

    form.querySelector("[data-em-add-rule]").addEventListener("click", function () {
      var select = form.querySelector("#em-new-rule");
      if (!select.value) { return; }
      var rule = { type: select.value };
      (FIELDS[rule.type] || []).forEach(function (spec) {
        if (spec.length > 2) { rule[spec[0]] = spec[2]; }
      });
      state.rules.push(rule);
      select.value = "";
      render();
      save();
    });
    combine.addEventListener("change", save);

    var panels = form.querySelectorAll("[data-em-panel]");
    function audience() {
      var checked = form.querySelector("input[name=audience]:checked");
      return checked ? checked.value : "rules";
    }
    function showPanel() {
      var mode = audience();
      panels.forEach(function (panel) { panel.hidden = panel.getAttribute("data-em-panel") !== mode; });
      scheduleCount();
    }
    form.querySelectorAll("input[name=audience]").forEach(function (radio) {
      radio.addEventListener("change", showPanel);
    });
    ["audience_emails", "audience_search"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (input) { input.addEventListener("input", scheduleCount); }
    });

    var timer = null;
    var sequence = 0;
    function scheduleCount() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(count, 250);
    }
    function count() {
      var mine = ++sequence;
      var params = new URLSearchParams();
      params.set("audience", audience());
      params.set("rules", hidden.value || JSON.stringify(state));
      params.set("emails", (form.querySelector("[name=audience_emails]") || {}).value || "");
      params.set("search", (form.querySelector("[name=audience_search]") || {}).value || "");
      countNode.setAttribute("aria-busy", "true");
      fetch(countUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (mine !== sequence) { return; }
          countNode.removeAttribute("aria-busy");
          countNode.textContent = data.count === null ? "—" : String(data.count);
          countNode.setAttribute("data-count", data.count === null ? "" : String(data.count));
          countError.textContent = data.error || "";
        })
        .catch(function () { countNode.removeAttribute("aria-busy"); });
    }

    render();
    hidden.value = JSON.stringify(state);
    showPanel();
  }

  /* ---- campaign page: live progress ---- */
  var progress = document.querySelector("[data-em-progress]");
  if (progress) { progressPage(progress); }

  function progressPage(root) {
    var campaignId = root.getAttribute("data-campaign-id");
    var url = root.getAttribute("data-progress-url");
    var labels = JSON.parse(root.getAttribute("data-state-labels") || "{}");
    var bar = root.querySelector("[data-em-bar]");
    var stateBadge = document.querySelector("[data-em-state]");
    var socket = null, attempts = 0, done = false;

    function show(p) {
      ["sent", "failed", "unsubscribed", "remaining", "total"].forEach(function (key) {
        var node = root.querySelector('[data-em="' + key + '"]');
        if (node) { node.textContent = String(p[key]); }
      });
      bar.max = Math.max(1, p.total);
      bar.value = p.total - p.remaining;
      root.setAttribute("data-state", p.state);
      if (stateBadge && labels[p.state]) { stateBadge.textContent = labels[p.state]; }
      if (p.state === "sent") { done = true; }
    }

    function catchUp() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); }).then(show).catch(function () {});
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + "/ws/emarketing/" + campaignId + "/");
      socket.addEventListener("open", function () {
        attempts = 0;
        root.setAttribute("data-live", "on");
        catchUp();
      });
      socket.addEventListener("message", function (event) {
        var data = JSON.parse(event.data);
        if (data.type === "emarketing.progress") { show(data.payload); }
      });
      socket.addEventListener("close", function () {
        root.setAttribute("data-live", "off");
        if (done) { return; }
        attempts += 1;
        var delay = Math.min(30000, 1000 * Math.pow(2, attempts - 1)) + Math.random() * 500;
        window.setTimeout(connect, delay);
      });
    }
    connect();
  }
})();
