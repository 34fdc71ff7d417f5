// Canned responses in the reply box: "/" then a shortcut lists the matching responses (their
// variables filled in by the server for this ticket and agent); Up/Down choose, Enter or Tab
// inserts, Esc closes. The list is also usable with a pointer.
"use strict";

(() => {
  const box = document.getElementById("canned");
  const text = document.getElementById("id_text");
  if (!box || !text) return;
  const list = document.getElementById("canned-list");
  const empty = box.querySelector(".canned-empty");
  let results = [];
  let active = 0;
  let token = null; // {start, end} of "/shortcut" in the text
  let timer = null;
  let asked = 0;

  // The "/word" that ends at the caret, at the start of the text or after a space.
  function tokenAtCaret() {
    const caret = text.selectionStart;
    const before = text.value.slice(0, caret);
    const match = /(^|\s)\/([\w-]*)$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, end: caret, prefix: match[2] };
  }

  function close() {
    box.hidden = true;
    results = [];
    token = null;
    text.removeAttribute("aria-activedescendant");
  }

  function show() {
    list.replaceChildren();
    results.forEach((item, index) => {
      const li = document.createElement("li");
      li.id = `canned-${item.id}`;
      li.setAttribute("role", "option");
      li.className = index === active ? "active" : "";
      li.setAttribute("aria-selected", String(index === active));
      const shortcut = document.createElement("strong");
      shortcut.textContent = `/${item.shortcut}`;
      const title = document.createElement("span");
      title.textContent = ` ${item.title}`;
      const preview = document.createElement("div");
      preview.className = "small muted";
      preview.textContent = item.text.length > 120 ? `${item.text.slice(0, 120)}…` : item.text;
      li.append(shortcut, title, preview);
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(index);
      });
      list.append(li);
    });
    empty.hidden = results.length > 0;
    box.hidden = false;
    if (results[active]) text.setAttribute("aria-activedescendant", `canned-${results[active].id}`);
  }

  async function lookup(found) {
    const number = ++asked;
    const url = `${box.dataset.url}?q=${encodeURIComponent(found.prefix)}`;
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok || number !== asked) return;
    results = (await response.json()).results;
    active = 0;
    token = found;
    show();
  }

  function insert(index) {
    const item = results[index];
    if (!item || !token) return;
    const value = text.value;
    text.value = value.slice(0, token.start) + item.text + value.slice(token.end);
    const caret = token.start + item.text.length;
    text.setSelectionRange(caret, caret);
    close();
    text.focus();
    text.dispatchEvent(new CustomEvent("canned:inserted", { detail: { id: item.id }, bubbles: true }));
  }

  text.addEventListener("input", () => {
    const found = tokenAtCaret();
    clearTimeout(timer);
    if (!found) {
      close();
      return;
    }
    timer = setTimeout(() => lookup(found), 60);
  });

  text.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!results.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
      show();
    } else if ((event.key === "Enter" || event.key === "Tab") && results.length) {
      event.preventDefault();
      insert(active);
    } else if (event.key === "Escape") {
      event.preventDefault(); // closes the list; a second Esc leaves the box
      close();
    }
  });

  text.addEventListener("blur", () => setTimeout(close, 150));
})();
