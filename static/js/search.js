/* Search page: suggestions while typing (tags, places, albums) and facet chips.
 * The search itself is a plain GET form, so it lives in the URL: shareable, and the back
 * button returns to the previous search. Without JavaScript the page still works. */
(function () {
  "use strict";

  var page = document.getElementById("search-page");
  if (!page) return;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  var facetsBox = document.getElementById("search-facets");
  var suggestUrl = page.dataset.suggestUrl;
  var facetsUrl = page.dataset.facetsUrl;
  var query = new URLSearchParams(page.dataset.query || "");
  var labelsNode = document.getElementById("search-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  function label(key, fallback) { return labels[key] || fallback; }
  var options = [];
  var active = -1;
  var timer = null;
  var lastTyped = "";
  var pending = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* --- suggestions ------------------------------------------------------------------ */

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function setField(name, value, append) {
    var field = form.elements[name];
    if (!field) return;
    if (append && field.value.trim()) {
      var parts = field.value.split(",").map(function (p) { return p.trim(); });
      if (parts.indexOf(value) === -1) parts.push(value);
      field.value = parts.filter(Boolean).join(", ");
    } else {
      field.value = value;
    }
  }

  function choose(option) {
    // A suggestion becomes a filter; what was typed for it leaves the text box.
    var words = input.value.trim().split(/\s+/);
    words.pop();
    input.value = words.join(" ");
    if (option.kind === "tag") setField("tags", option.value, true);
    else if (option.kind === "place") setField("place", option.value, false);
    else if (option.kind === "album") setField("album", String(option.value), false);
    close();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function highlight(index) {
    options.forEach(function (option, i) {
      option.node.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].node.id);
    else input.removeAttribute("aria-activedescendant");
  }

  function render(data) {
    close();
    var groups = [
      ["tag", label("tag", "Tags"), (data.tags || []).map(function (t) { return { label: t, value: t }; })],
      ["place", label("place", "Places"), (data.places || []).map(function (p) { return { label: p.label, value: p.value }; })],
      ["album", label("album", "Albums"), (data.albums || []).map(function (a) { return { label: a.title || a.label, value: a.id || a.value }; })],
    ];
    groups.forEach(function (group) {
      if (!group[2].length) return;
      var heading = el("li", "suggestion-group", group[1]);
      heading.setAttribute("role", "presentation");
      list.appendChild(heading);
      group[2].forEach(function (item) {
        var node = el("li", "suggestion", item.label);
        node.id = "suggestion-" + options.length;
        node.setAttribute("role", "option");
        node.dataset.kind = group[0];
        var option = { kind: group[0], value: item.value, node: node };
        node.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(option);
        });
        options.push(option);
        list.appendChild(node);
      });
    });
    if (options.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  }

  function lastWord() {
    var words = input.value.split(/\s+/);
    return words[words.length - 1] || "";
  }

  function fetchSuggestions() {
    var word = lastWord();
    if (word.length < 2 || word.charAt(0) === "-" || word.charAt(0) === '"') {
      close();
      return;
    }
    if (word === lastTyped) return;
    lastTyped = word;
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(suggestUrl + "?q=" + encodeURIComponent(word), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && lastWord() === word) render(data); })
      .catch(function () { /* aborted or offline: no suggestions */ });
  }

  if (input && list) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || !options.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  /* Empty fields stay out of the URL: a shared link holds only the search itself. */
  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && !field.disabled && field.value === "") {
        field.disabled = true;
        field.dataset.emptied = "1";
      }
    });
  });
  window.addEventListener("pageshow", function () {
    // Back from the next page (bfcache): the fields work again.
    Array.prototype.forEach.call(form.querySelectorAll("[data-emptied]"), function (field) {
      field.disabled = false;
      delete field.dataset.emptied;
    });
  });

  /* --- facets ----------------------------------------------------------------------- */

  var FACETS = [
    ["year", label("year", "Year"), "year"],
    ["tag", label("tags", "Tag"), "tags"],
    ["camera", label("camera", "Camera"), "camera"],
    ["country", label("country", "Country"), "country"],
  ];

  function facetLink(param, value) {
    var next = new URLSearchParams(query.toString());
    next.delete("cursor");
    if (param === "tags" && next.get("tags")) {
      var tags = next.get("tags").split(",").map(function (t) { return t.trim(); });
      if (tags.indexOf(String(value)) === -1) tags.push(String(value));
      next.set("tags", tags.join(","));
    } else {
      next.set(param, String(value));
    }
    return "?" + next.toString();
  }

  function renderFacets(data) {
    facetsBox.textContent = "";
    FACETS.forEach(function (facet) {
      var values = data[facet[0]] || [];
      if (!values.length) return;
      var group = el("div", "facet-group");
      group.appendChild(el("span", "facet-name", facet[1]));
      var chips = el("ul", "facet-chips");
      values.forEach(function (item) {
        var li = el("li");
        var link = el("a", "chip");
        link.href = facetLink(facet[2], item.value);
        link.appendChild(document.createTextNode(item.label + " "));
        link.appendChild(el("span", "chip-count", (data.approximate ? "≈" : "") + item.count));
        li.appendChild(link);
        chips.appendChild(li);
      });
      group.appendChild(chips);
      facetsBox.appendChild(group);
    });
  }

  if (facetsBox && facetsUrl) {
    var facetQuery = new URLSearchParams(query.toString());
    // Facets count what the page shows: the corrected text, the completed word.
    if (page.dataset.text) facetQuery.set("q", page.dataset.text);
    if (page.dataset.prefix === "true") facetQuery.set("prefix", "true");
    facetsBox.textContent = facetsBox.dataset.loading || "";
    fetch(facetsUrl + "?" + facetQuery.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) renderFacets(data);
        else facetsBox.textContent = "";
      })
      .catch(function () { facetsBox.textContent = ""; });
  }
})();
