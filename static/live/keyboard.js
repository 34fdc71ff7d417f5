// Keyboard use of the agents' pages. Inbox: j/k move, Enter or o opens, r opens to reply,
// e resolves. Ticket: r reply, / canned response, n note, a assign to me, e resolve,
// u back to the inbox, Esc leaves a text box. Keys are ignored while typing in a field.
"use strict";

(() => {
  const page = document.querySelector("[data-live-page]");
  if (!page) return;
  let selected = null; // the ticket id selected in the inbox

  function rows() {
    return [...document.querySelectorAll("#inbox-list tbody tr[data-ticket]")];
  }

  function select(row) {
    for (const other of rows()) other.classList.toggle("selected", other === row);
    if (!row) return;
    selected = row.dataset.ticket;
    row.scrollIntoView({ block: "nearest" });
    const link = row.querySelector("a.subject");
    if (link) link.focus({ preventScroll: true });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.findIndex((row) => row.dataset.ticket === selected);
    const next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[next]);
  }

  function current() {
    return rows().find((row) => row.dataset.ticket === selected) || null;
  }

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function resolveSelected() {
    const row = current();
    if (!row || !row.dataset.statusUrl) return;
    const body = new URLSearchParams({ status: "resolved", csrfmiddlewaretoken: csrf() });
    await fetch(row.dataset.statusUrl, { method: "POST", body, credentials: "same-origin" });
    // the live event refreshes the list
  }

  function open(row, hash = "") {
    const link = row && row.querySelector("a.subject");
    if (link) window.location.assign(link.href + hash);
  }

  function click(selector) {
    const button = document.querySelector(selector);
    if (button) button.click();
  }

  function focusBox(id) {
    const box = document.getElementById(id);
    if (box) box.focus();
    return box;
  }

  const inbox = {
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    Enter: () => open(current()),
    o: () => open(current()),
    r: () => open(current(), "#reply"),
    e: () => resolveSelected(),
  };
  const ticket = {
    r: () => focusBox("id_text"),
    n: () => focusBox("id_note_text"),
    a: () => click("#ticket-side button[name=assignee][value=me]"),
    e: () => click("#ticket-side button[name=status][value=resolved]"),
    u: () => click(".crumbs a"),
    "/": () => {
      const box = focusBox("id_text");
      if (box && !box.value) {
        box.value = "/";
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
    },
  };
  const keys = page.dataset.livePage === "inbox" ? inbox : page.dataset.livePage === "ticket" ? ticket : {};

  document.addEventListener("keydown", (event) => {
    // Ctrl+Enter (Cmd+Enter) in a reply or a note sends it, wherever the focus would go next.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches && event.target.matches("textarea")) {
      const form = event.target.form;
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const field = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (field) {
      if (event.key === "Escape" && !event.defaultPrevented) field.blur();
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    if (event.key === "Enter" && keys === inbox && !current()) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("live:refreshed", () => {
    if (selected) {
      const row = current();
      for (const other of rows()) other.classList.toggle("selected", other === row);
    }
  });

  if (page.dataset.livePage === "ticket" && window.location.hash === "#reply") focusBox("id_text");
})();
