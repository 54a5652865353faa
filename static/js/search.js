// The search box in every page's header: suggestions from /api/search as you type (an ARIA
// combobox: arrow keys move through them, Enter opens one, Escape closes the list); without
// the script the form still submits to /search. Texts are set as text, never as HTML.
(function () {
  "use strict";
  var form = document.querySelector("form.gi-search");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector(".gi-search-list");
  var texts = JSON.parse(form.dataset.texts || "{}");
  var results = [];
  var active = -1;
  var timer = null;
  var asked = 0;

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    results = [];
    active = -1;
  }

  function mark(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", "gi-search-opt-" + index);
    else input.removeAttribute("aria-activedescendant");
  }

  function show(found) {
    results = found;
    list.textContent = "";
    if (!found.length) { close(); return; }
    found.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "gi-search-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.appendChild(document.createTextNode(r.name + " "));
      var meta = document.createElement("span");
      meta.className = "gi-search-meta";
      meta.textContent = (texts[r.level] || r.level) +
        (r.gemeente ? " " + (texts["in"] || "in") + " " + r.gemeente : "") + " · " + r.code;
      li.appendChild(meta);
      li.addEventListener("mousedown", function (e) {
        e.preventDefault(); // keep the focus in the box until we leave
        window.location.assign(r.url);
      });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    mark(-1);
  }

  function ask() {
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    var mine = ++asked;
    fetch(form.dataset.api + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (body) { if (mine === asked) show(body.results || []); })
      .catch(function () { if (mine === asked) close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && results.length) {
      e.preventDefault();
      mark((active + 1) % results.length);
    } else if (e.key === "ArrowUp" && results.length) {
      e.preventDefault();
      mark(active <= 0 ? results.length - 1 : active - 1);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.assign(results[active].url);
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
