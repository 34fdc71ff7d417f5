// Live updates of the agents' pages over one websocket (/ws/live/, live/consumers.py).
// The server says what changed (a ticket, a contact, the kind of change), never the contents:
// the page reads the regions marked data-live-region again from the server, which applies the
// agent's rights, and swaps them in. On a ticket page it also says who else views or types
// there (collision warning); a mention of this agent shows a notice.
"use strict";

(() => {
  const toasts = document.getElementById("toasts");
  if (!toasts || !("WebSocket" in window)) return;
  const page = document.querySelector("[data-live-page]");
  const kind = page ? page.dataset.livePage : "";
  const ticketId = page && page.dataset.ticket ? Number(page.dataset.ticket) : null;
  const contactId = page && page.dataset.contact ? Number(page.dataset.contact) : null;
  const presence = document.getElementById("presence");
  const others = new Map(); // user id -> {name, state, at}
  let socket = null;
  let delay = 500;
  let refreshing = null;
  let again = false;

  function relevant(event) {
    const type = String(event.type || "");
    if (kind === "inbox") return type.startsWith("ticket.") || type.startsWith("message.");
    if (kind === "ticket") return event.ticket === ticketId || (contactId !== null && event.contact === contactId);
    if (kind === "contact") return event.contact === contactId;
    return false;
  }

  // Read the page again and swap its live regions; events arriving meanwhile cause one more read.
  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = (async () => {
      do {
        again = false;
        const response = await fetch(window.location.href, { credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        for (const region of document.querySelectorAll("[data-live-region][id]")) {
          const next = fresh.getElementById(region.id);
          if (!next) continue;
          const focused = region.contains(document.activeElement) ? document.activeElement : null;
          region.replaceWith(document.importNode(next, true));
          if (focused && focused.name) {
            const same = document.getElementById(region.id).querySelector(`[name="${focused.name}"]`);
            if (same) same.focus();
          }
        }
        document.dispatchEvent(new CustomEvent("live:refreshed"));
        if (again) await new Promise((resolve) => setTimeout(resolve, 250)); // a busy tenant: 4 reads a second at most
      } while (again);
    })();
    try {
      await refreshing;
    } catch (error) {
      console.warn("live refresh failed", error);
    } finally {
      refreshing = null;
    }
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  }

  function toast(text, href) {
    const item = document.createElement("a");
    item.className = "toast";
    item.href = href;
    item.textContent = text;
    toasts.append(item);
    setTimeout(() => item.remove(), 15000);
  }

  function mention(event) {
    const count = document.getElementById("mentions-count");
    if (count) count.textContent = String(Number(count.textContent || 0) + 1);
    const text = format(toasts.dataset.mention, { name: event.by, ticket: event.ticket });
    toast(text, `/dashboard/tickets/${event.ticket}/#note-${event.note}`);
  }

  function showPresence() {
    if (!presence) return;
    const now = Date.now();
    const lines = [];
    let typing = false;
    for (const other of others.values()) {
      const isTyping = other.state === "typing" && now - other.at < 6000;
      typing = typing || isTyping;
      lines.push(format(isTyping ? presence.dataset.typing : presence.dataset.viewing, { name: other.name }));
    }
    presence.textContent = lines.join(" · ");
    presence.classList.toggle("typing", typing);
    presence.hidden = lines.length === 0;
  }

  function onPresence(event) {
    if (event.ticket !== ticketId) return;
    if (event.state === "left") others.delete(event.user);
    else others.set(event.user, { name: event.name, state: event.state, at: Date.now() });
    showPresence();
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(`${scheme}${window.location.host}/ws/live/`);
    socket.addEventListener("open", () => {
      const reconnected = delay > 500 || document.body.dataset.live === "closed";
      delay = 500;
      document.body.dataset.live = "connected";
      if (ticketId !== null) send({ type: "watch", ticket: ticketId });
      if (reconnected) refresh(); // what changed while the socket was down
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "presence") onPresence(event);
      else if (event.type === "mention") mention(event);
      if (relevant(event)) refresh();
    });
    socket.addEventListener("close", (closed) => {
      document.body.dataset.live = "closed";
      others.clear();
      showPresence();
      if (closed.code === 4401 || closed.code === 4403) return; // logged out, or no tenant
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  // Typing in the reply or note box tells the others, at most every 2 s; 5 s later, viewing.
  let lastTyping = 0;
  let idleTimer = null;
  document.addEventListener("input", (event) => {
    if (ticketId === null || !event.target.closest("#reply-form, #note-form")) return;
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      send({ type: "presence", state: "typing" });
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      lastTyping = 0;
      send({ type: "presence", state: "viewing" });
    }, 5000);
  });
  setInterval(showPresence, 2000); // a colleague who stopped typing shows as viewing again

  connect();
})();
