/*
 * Web chat widget of the CRM (docs/channels.md, "Web chat widget").
 *
 * Embed: <script src="{webhook_url}widget.js" async></script>, optionally with
 * data-email, data-email-hash (hex HMAC-SHA256 of the lower-cased e-mail with the channel's
 * secret) and data-language ("fr" or "en"; otherwise the page's <html lang>).
 *
 * No dependency. The visitor's token (issued by the server) stays in localStorage, so the
 * conversation survives page loads. Agents' replies arrive by polling every second while the
 * chat is open and the page visible (every 10 seconds otherwise).
 */
(function () {
  "use strict";

  var CONFIG = /*WIDGET_CONFIG*/null;
  var script = document.currentScript;
  if (!CONFIG || !script || window.__omnicrmWidget) {
    return;
  }
  window.__omnicrmWidget = true;

  var base = script.src.replace(/widget\.js(\?.*)?$/, "widget/");
  var data = script.dataset || {};
  var language = (data.language || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  var t = CONFIG.texts[language] || CONFIG.texts.en;
  var storageKey = "omnicrm-widget:" + CONFIG.channel;
  var FAST = 1000;
  var SLOW = 10000;

  var state = { token: null, last: 0, shown: {}, seen: {}, online: true, open: false, timer: null, busy: false };
  var ui = {};

  // -- storage --------------------------------------------------------------------------
  function loadToken() {
    try {
      return window.localStorage.getItem(storageKey);
    } catch (e) {
      return null;
    }
  }

  function saveToken(token) {
    try {
      window.localStorage.setItem(storageKey, token);
    } catch (e) {
      /* storage refused: the conversation lasts as long as the page */
    }
  }

  // -- server ---------------------------------------------------------------------------
  function call(path, body) {
    body.token = state.token;
    if (data.email) {
      body.email = data.email;
      body.email_hash = data.emailHash || "";
    }
    return fetch(base + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.status === 204 ? null : response.json();
    });
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // -- interface ------------------------------------------------------------------------
  function element(tag, style, text) {
    var node = document.createElement(tag);
    Object.assign(node.style, style || {});
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function build() {
    var host = element("div");
    host.id = "omnicrm-widget";
    document.body.appendChild(host);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var font = { fontFamily: "system-ui, sans-serif", fontSize: "15px", lineHeight: "1.4" };

    ui.launcher = element("button", Object.assign({
      position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", padding: "12px 18px",
      border: "0", borderRadius: "24px", background: "#1f5fbf", color: "#fff", cursor: "pointer",
      boxShadow: "0 2px 8px rgba(0,0,0,.25)"
    }, font), t.open);
    ui.launcher.className = "omnicrm-launcher";
    ui.launcher.type = "button";

    ui.panel = element("section", Object.assign({
      position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000", width: "min(360px, calc(100vw - 40px))",
      height: "min(480px, calc(100vh - 40px))", display: "none", flexDirection: "column", background: "#fff",
      color: "#1a1a1a", border: "1px solid #ccd", borderRadius: "10px", boxShadow: "0 4px 16px rgba(0,0,0,.25)",
      overflow: "hidden"
    }, font));
    ui.panel.className = "omnicrm-panel";
    ui.panel.setAttribute("role", "dialog");
    ui.panel.setAttribute("aria-label", t.title);
    ui.panel.setAttribute("lang", CONFIG.texts[language] ? language : "en");

    var header = element("header", {
      display: "flex", justifyContent: "space-between", alignItems: "center", padding: "10px 14px",
      background: "#1f5fbf", color: "#fff"
    });
    header.appendChild(element("strong", {}, t.title));
    ui.close = element("button", { border: "0", background: "transparent", color: "#fff", cursor: "pointer",
      fontSize: "15px" }, "×");
    ui.close.type = "button";
    ui.close.setAttribute("aria-label", t.close);
    header.appendChild(ui.close);

    ui.status = element("p", { margin: "0", padding: "6px 14px", fontSize: "13px", background: "#eef3fb" });
    ui.status.className = "omnicrm-status";
    ui.list = element("ol", { listStyle: "none", margin: "0", padding: "10px 14px", flex: "1", overflowY: "auto" });
    ui.list.className = "omnicrm-messages";
    ui.list.setAttribute("aria-live", "polite");

    ui.form = element("form", { display: "flex", flexDirection: "column", gap: "6px", padding: "10px 14px",
      borderTop: "1px solid #dde" });
    ui.email = element("input", { display: "none", padding: "6px", font: "inherit" });
    ui.email.type = "email";
    ui.email.className = "omnicrm-email";
    ui.email.placeholder = t.email;
    ui.email.setAttribute("aria-label", t.email);
    ui.input = element("textarea", { resize: "none", height: "56px", padding: "6px", font: "inherit" });
    ui.input.className = "omnicrm-input";
    ui.input.placeholder = t.placeholder;
    ui.input.setAttribute("aria-label", t.placeholder);
    ui.input.maxLength = 5000;
    ui.send = element("button", { alignSelf: "flex-end", padding: "6px 16px", border: "0", borderRadius: "6px",
      background: "#1f5fbf", color: "#fff", cursor: "pointer", font: "inherit" }, t.send);
    ui.send.type = "submit";
    ui.send.className = "omnicrm-send";
    ui.error = element("p", { margin: "0", color: "#b00020", fontSize: "13px", display: "none" });
    ui.error.className = "omnicrm-error";
    [ui.email, ui.input, ui.error, ui.send].forEach(function (node) { ui.form.appendChild(node); });

    [header, ui.status, ui.list, ui.form].forEach(function (node) { ui.panel.appendChild(node); });
    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);

    ui.launcher.addEventListener("click", function () { toggle(true); });
    ui.close.addEventListener("click", function () { toggle(false); });
    ui.form.addEventListener("submit", submit);
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        submit(event);
      }
    });
    document.addEventListener("visibilitychange", function () { schedule(0); });
  }

  function toggle(open) {
    state.open = open;
    ui.panel.style.display = open ? "flex" : "none";
    ui.launcher.style.display = open ? "none" : "block";
    if (open) {
      ui.input.focus();
      markSeen();
      schedule(0);
    }
  }

  function showStatus() {
    ui.status.textContent = state.online ? t.online : t.offline;
    ui.email.style.display = state.online || data.email ? "none" : "block";
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.style.display = text ? "block" : "none";
  }

  function render(message) {
    if (state.shown[message.id]) {
      return;
    }
    state.shown[message.id] = true;
    state.last = Math.max(state.last, message.id);
    var mine = message.direction === "inbound";
    var item = element("li", {
      margin: "6px 0", padding: "8px 10px", borderRadius: "8px", maxWidth: "85%", whiteSpace: "pre-wrap",
      wordWrap: "break-word", background: mine ? "#dbe8fb" : "#f1f1f3", marginLeft: mine ? "auto" : "0"
    });
    item.dataset.direction = message.direction;
    item.dataset.id = String(message.id);
    item.dataset.status = message.status;
    item.setAttribute("aria-label", mine ? t.you : t.agent);
    item.textContent = message.text;
    ui.list.appendChild(item);
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  function receive(answer) {
    if (!answer) {
      return;
    }
    if (typeof answer.online === "boolean") {
      state.online = answer.online;
      showStatus();
    }
    (answer.messages || []).forEach(render);
    markSeen();
  }

  function markSeen() {
    if (!state.open || document.hidden) {
      return;
    }
    var items = [];
    Array.prototype.forEach.call(ui.list.querySelectorAll("li[data-direction=outbound]"), function (item) {
      if (!state.seen[item.dataset.id]) {
        state.seen[item.dataset.id] = true;
        items.push(item);
      }
    });
    if (items.length) {
      var ids = items.map(function (item) { return Number(item.dataset.id); });
      call("seen", { ids: ids }).then(function () {
        items.forEach(function (item) { item.dataset.status = "read"; });
      }, function () {
        items.forEach(function (item) { delete state.seen[item.dataset.id]; });
      });
    }
  }

  // -- conversation ---------------------------------------------------------------------
  function submit(event) {
    event.preventDefault();
    var text = ui.input.value.trim();
    if (!text || state.busy) {
      return;
    }
    var body = { text: text, client_id: randomId(), page: window.location.href.slice(0, 500) };
    if (!state.online) {
      body.offline = true;
      if (ui.email.value && !data.email) {
        body.email = ui.email.value.trim();
      }
    }
    state.busy = true;
    ui.send.disabled = true;
    send(body, 1).then(function (answer) {
      ui.input.value = "";
      showError("");
      render(answer.message);
      schedule(0);
    }).catch(function (error) {
      showError(error.status === 429 ? t.slow_down : t.error);
    }).then(function () {
      state.busy = false;
      ui.send.disabled = false;
    });
  }

  function send(body, retries) {
    // Sent again with the same client_id, it is still one message on the server.
    return call("messages", body).catch(function (error) {
      if (retries > 0 && !error.status) {
        return send(body, retries - 1);
      }
      throw error;
    });
  }

  function poll() {
    state.timer = null;
    if (!state.token || !state.last) {
      return; // nothing written yet: nothing to wait for
    }
    call("poll", { after: state.last }).then(receive).catch(function () {
      /* a failed poll is tried again at the next tick */
    }).then(function () { schedule(); });
  }

  function schedule(delay) {
    if (state.timer) {
      window.clearTimeout(state.timer);
    }
    if (delay === undefined) {
      delay = state.open && !document.hidden ? FAST : SLOW;
    }
    state.timer = window.setTimeout(poll, delay);
  }

  function start() {
    build();
    state.token = loadToken();
    call("session", {}).then(function (answer) {
      state.token = answer.token;
      saveToken(answer.token);
      receive(answer);
      schedule();
    }).catch(function () {
      ui.launcher.disabled = true;
      ui.launcher.title = t.unavailable;
      ui.launcher.dataset.state = "unavailable";
    });
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
