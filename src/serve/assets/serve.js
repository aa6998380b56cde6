// wijkscan serve: map clicks, the period switch and the focus-group builder. Plain JS, no
// libraries; every request goes to this server only.
"use strict";

const lang = document.body.dataset.lang || "nl";
const period = document.body.dataset.period || "";
const T = lang === "en"
  ? { persons: "persons", refused: "Refused", error: "Cannot read the filter", column: "column", busy: "…" }
  : { persons: "personen", refused: "Geweigerd", error: "Filter niet te lezen", column: "kolom", busy: "…" };

function go(params) {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  window.location.href = url.pathname + url.search;
}

// Language switch keeps the page and its other parameters.
const langSwitch = document.getElementById("lang-switch");
if (langSwitch) {
  langSwitch.addEventListener("click", (e) => {
    e.preventDefault();
    go({ lang: lang === "nl" ? "en" : "nl" });
  });
}

const periodSelect = document.getElementById("period-select");
if (periodSelect) {
  periodSelect.addEventListener("change", () => go({ period: periodSelect.value }));
}

// Map: each area's polygons carry data-code; a click opens the area.
const map = document.getElementById("map");
if (map) {
  map.addEventListener("click", (e) => {
    const p = e.target.closest("polygon[data-code]");
    if (!p) return;
    window.location.href = "/area/" + encodeURIComponent(p.dataset.code) +
      "?period=" + encodeURIComponent(period) + "&lang=" + lang;
  });
}

// The builder.
const form = document.getElementById("segment-form");
if (form) {
  const input = document.getElementById("filter");
  const list = document.getElementById("suggestions");
  const answer = document.getElementById("answer");
  const tried = document.getElementById("tried");
  let vocabulary = {};
  fetch("/api/features").then((r) => r.ok ? r.json() : { features: {} })
    .then((j) => { vocabulary = j.features || {}; });

  // The word being typed: letters, digits and _ before the caret; after `name =` or `IN (` the
  // feature's values are offered.
  function context() {
    const upto = input.value.slice(0, input.selectionStart);
    const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(upto);
    const valueOf = /([A-Za-z_][A-Za-z0-9_]*)\s*(=|<>|!=|IN\s*\(|,)\s*'?([^']*)$/i.exec(upto);
    return { upto, word: word ? word[0] : "", valueOf };
  }

  function offers() {
    const c = context();
    if (c.valueOf && vocabulary[c.valueOf[1]] && vocabulary[c.valueOf[1]].length) {
      const typed = c.valueOf[3].toLowerCase();
      return { replace: c.valueOf[3].length + (c.upto.endsWith("'" + c.valueOf[3]) ? 1 : 0),
        items: vocabulary[c.valueOf[1]].filter((v) => v.toLowerCase().startsWith(typed)).map((v) => "'" + v + "'") };
    }
    if (!c.word) return { replace: 0, items: [] };
    const w = c.word.toLowerCase();
    return { replace: c.word.length,
      items: Object.keys(vocabulary).filter((n) => n.startsWith(w) && n !== w) };
  }

  let current = { replace: 0, items: [] };
  let active = -1;
  function show() {
    current = offers();
    active = -1;
    list.innerHTML = "";
    if (!current.items.length) { list.hidden = true; return; }
    for (const item of current.items.slice(0, 12)) {
      const li = document.createElement("li");
      li.textContent = item;
      li.addEventListener("mousedown", (e) => { e.preventDefault(); take(item); });
      list.appendChild(li);
    }
    list.hidden = false;
  }
  function take(item) {
    const at = input.selectionStart;
    const before = input.value.slice(0, at - current.replace);
    input.value = before + item + " " + input.value.slice(at);
    const caret = before.length + item.length + 1;
    input.setSelectionRange(caret, caret);
    list.hidden = true;
    input.focus();
  }
  input.addEventListener("input", show);
  input.addEventListener("blur", () => { list.hidden = true; });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    const items = list.querySelectorAll("li");
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((li, i) => li.classList.toggle("active", i === active));
    } else if ((e.key === "Enter" || e.key === "Tab") && active >= 0) {
      e.preventDefault();
      take(items[active].textContent);
    } else if (e.key === "Escape") {
      list.hidden = true;
    }
  });

  for (const b of document.querySelectorAll("button.use")) {
    b.addEventListener("click", () => { input.value = b.dataset.filter; input.focus(); });
  }

  function text(el, s) { const n = document.createElement(el); n.textContent = s; return n; }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    list.hidden = true;
    const filter = input.value;
    answer.className = "";
    answer.textContent = T.busy;
    let status = 0, body = {};
    try {
      const r = await fetch("/api/segment", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ area: form.dataset.area, filter, lang }),
      });
      status = r.status;
      body = await r.json();
    } catch (err) {
      body = { error: String(err) };
    }
    answer.innerHTML = "";
    let line;
    if (status === 200 && body.refused === false) {
      answer.className = "ok";
      line = body.words;
      answer.appendChild(text("p", line));
    } else if (status === 200 && body.refused) {
      answer.className = "refused";
      line = T.refused + ": " + body.reason;
      answer.appendChild(text("p", line));
    } else {
      answer.className = "error";
      line = T.error + (body.column ? " (" + T.column + " " + body.column + ")" : "") + ": " + (body.error || status);
      answer.appendChild(text("p", line));
      if (body.column) {
        answer.appendChild(text("pre", filter + "\n" + " ".repeat(body.column - 1) + "^"));
      }
    }
    const li = document.createElement("li");
    li.appendChild(text("code", filter));
    li.appendChild(document.createTextNode(" — " + line));
    tried.prepend(li);
  });
}
