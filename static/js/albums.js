/* Albums: selection, drag and drop (images onto albums, albums onto albums, reordering
   images) and a small lightbox. Talks to /api/v1/ with the session and the CSRF token.
   No dependencies. */
(function () {
  "use strict";

  var ASSETS = "application/x-lumina-assets";
  var ALBUM = "application/x-lumina-album";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    // CSRF_COOKIE_HTTPONLY (production): the token the page was rendered with.
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function page() {
    return document.querySelector("[data-albums-page]");
  }

  function apiBase() {
    var root = page();
    return (root && root.getAttribute("data-api")) || "/api/v1/";
  }

  function say(text, isError) {
    var status = document.querySelector("[data-albums-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function api(method, path, body) {
    return fetch(apiBase() + path, {
      method: method,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().then(function (data) {
        if (!response.ok) {
          var error = new Error((data && data.error && data.error.message) || response.statusText);
          error.code = data && data.error && data.error.code;
          throw error;
        }
        return data;
      });
    });
  }

  // --- selection ------------------------------------------------------------------------

  function tileOf(node) {
    return node && node.closest ? node.closest(".al-tile") : null;
  }

  function selectedIds(scope) {
    var ids = [];
    (scope || document).querySelectorAll(".al-tile.al-selected").forEach(function (tile) {
      ids.push(Number(tile.getAttribute("data-asset-id")));
    });
    return ids;
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select]")) return;
    var tile = tileOf(box);
    if (tile) tile.classList.toggle("al-selected", box.checked);
  });

  // --- drag state -----------------------------------------------------------------------

  var drag = null; // {kind: "assets", ids, grid} or {kind: "album", id}

  function clearMarks() {
    document
      .querySelectorAll(".al-drop-over,.al-drop-before,.al-drop-after,.al-drag-source")
      .forEach(function (node) {
        node.classList.remove("al-drop-over", "al-drop-before", "al-drop-after", "al-drag-source");
      });
  }

  document.addEventListener("dragstart", function (event) {
    var albumSource = event.target.closest && event.target.closest("[data-album-drag]");
    if (albumSource) {
      drag = { kind: "album", id: Number(albumSource.getAttribute("data-album-drag")) };
      event.dataTransfer.setData(ALBUM, String(drag.id));
      event.dataTransfer.setData("text/plain", albumSource.textContent.trim());
      event.dataTransfer.effectAllowed = "move";
      document.body.classList.add("al-dragging-album");
      return;
    }
    var tile = tileOf(event.target);
    if (!tile || tile.getAttribute("draggable") !== "true") return;
    var grid = tile.closest("[data-grid]");
    var ids = tile.classList.contains("al-selected") ? selectedIds(grid) : [];
    if (!ids.length) ids = [Number(tile.getAttribute("data-asset-id"))];
    drag = { kind: "assets", ids: ids, grid: grid };
    event.dataTransfer.setData(ASSETS, JSON.stringify(ids));
    event.dataTransfer.setData("text/plain", ids.join(","));
    event.dataTransfer.effectAllowed = "copyMove";
    ids.forEach(function (id) {
      var source = grid.querySelector('.al-tile[data-asset-id="' + id + '"]');
      if (source) source.classList.add("al-drag-source");
    });
  });

  document.addEventListener("dragend", function () {
    drag = null;
    clearMarks();
    document.body.classList.remove("al-dragging-album");
  });

  function dropTarget(event) {
    return event.target.closest && event.target.closest("[data-album-drop]");
  }

  function reorderTarget(event) {
    if (!drag || drag.kind !== "assets") return null;
    var tile = tileOf(event.target);
    if (!tile) return null;
    var grid = tile.closest("[data-grid]");
    if (!grid || grid !== drag.grid || grid.getAttribute("data-reorder") !== "1") return null;
    if (drag.ids.indexOf(Number(tile.getAttribute("data-asset-id"))) !== -1) return null;
    return tile;
  }

  function sideOf(tile, event) {
    var box = tile.getBoundingClientRect();
    return event.clientX < box.left + box.width / 2 ? "before" : "after";
  }

  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event);
    if (target && drag) {
      if (drag.kind === "album" && String(drag.id) === target.getAttribute("data-album-drop")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = drag.kind === "album" ? "move" : "copy";
      clearMarksExcept(target);
      target.classList.add("al-drop-over");
      return;
    }
    var tile = reorderTarget(event);
    if (tile) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      var side = sideOf(tile, event);
      clearMarksExcept(null);
      tile.classList.add(side === "before" ? "al-drop-before" : "al-drop-after");
    }
  });

  function clearMarksExcept(keep) {
    document.querySelectorAll(".al-drop-over,.al-drop-before,.al-drop-after").forEach(function (node) {
      if (node !== keep) node.classList.remove("al-drop-over", "al-drop-before", "al-drop-after");
    });
  }

  document.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    var current = drag;
    if (target && current) {
      event.preventDefault();
      clearMarks();
      var value = target.getAttribute("data-album-drop");
      var title = target.getAttribute("data-album-title") || "";
      if (current.kind === "assets") addToAlbum(Number(value), title, current.ids);
      else moveAlbum(current.id, value === "root" ? null : Number(value), title);
      return;
    }
    var tile = reorderTarget(event);
    if (tile && current) {
      event.preventDefault();
      var side = sideOf(tile, event);
      clearMarks();
      reorder(current, tile, side);
    }
  });

  function updateCount(albumId, added) {
    document.querySelectorAll('[data-album-drop="' + albumId + '"] .al-count').forEach(function (node) {
      node.textContent = String(Number(node.textContent || 0) + added);
    });
  }

  function addToAlbum(albumId, title, ids) {
    return api("POST", "albums/" + albumId + "/items/", { asset_ids: ids })
      .then(function (result) {
        updateCount(albumId, result.added.length);
        var text = result.added.length + " added to “" + title + "”";
        if (result.already.length) text += ", " + result.already.length + " already there";
        say(text + ".");
      })
      .catch(function (error) {
        say(error.message, true);
      });
  }

  function moveAlbum(albumId, parentId, title) {
    return api("PATCH", "albums/" + albumId + "/", { parent: parentId })
      .then(function () {
        say(parentId === null ? "Moved to the top level." : "Moved into “" + title + "”.");
        window.location.reload();
      })
      .catch(function (error) {
        say(error.message, true);
      });
  }

  function reorder(current, anchor, side) {
    var root = page();
    var albumId = root && root.getAttribute("data-album-id");
    if (!albumId) return;
    var anchorId = Number(anchor.getAttribute("data-asset-id"));
    var body = { asset_ids: current.ids };
    body[side] = anchorId;
    var grid = current.grid;
    return api("POST", "albums/" + albumId + "/items/reorder/", body)
      .then(function () {
        var tiles = current.ids
          .map(function (id) {
            return grid.querySelector('.al-tile[data-asset-id="' + id + '"]');
          })
          .filter(Boolean);
        var reference = side === "before" ? anchor : anchor.nextSibling;
        tiles.forEach(function (node) {
          grid.insertBefore(node, reference);
        });
        say("Order saved.");
      })
      .catch(function (error) {
        say(error.message, true);
      });
  }

  // --- "add selected to" form -------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-add-form]")) {
      event.preventDefault();
      var select = form.querySelector("[data-add-target]");
      var ids = selectedIds(document);
      if (!ids.length) {
        say("Select at least one image.", true);
        return;
      }
      var option = select.options[select.selectedIndex];
      addToAlbum(Number(select.value), option ? option.textContent : "", ids);
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-copy]")) event.target.select();
  });

  // --- lightbox -------------------------------------------------------------------------

  var box = null;
  var shown = { tiles: [], index: 0 };

  function showAt(index) {
    if (!box || !shown.tiles.length) return;
    shown.index = (index + shown.tiles.length) % shown.tiles.length;
    var tile = shown.tiles[shown.index];
    var image = box.querySelector("[data-lb-image]");
    image.src = tile.getAttribute("data-preview");
    image.alt = tile.getAttribute("data-title") || "";
    box.querySelector("[data-lb-title]").textContent = tile.getAttribute("data-title") || "";
    var download = box.querySelector("[data-lb-download]");
    if (download) {
      var href = tile.getAttribute("data-download");
      download.hidden = !href;
      if (href) download.href = href;
    }
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open]");
    if (opener) {
      box = document.querySelector("[data-lightbox]");
      var tile = tileOf(opener);
      if (!box || !tile || typeof box.showModal !== "function") return;
      shown.tiles = Array.prototype.slice.call(tile.closest("[data-grid]").querySelectorAll(".al-tile[data-preview]"));
      showAt(shown.tiles.indexOf(tile));
      box.showModal();
      return;
    }
    if (!box) return;
    if (event.target.closest("[data-lb-prev]")) showAt(shown.index - 1);
    else if (event.target.closest("[data-lb-next]")) showAt(shown.index + 1);
    else if (event.target.closest("[data-lb-close]")) box.close();
  });

  document.addEventListener("keydown", function (event) {
    if (!box || !box.open) return;
    if (event.key === "ArrowLeft") showAt(shown.index - 1);
    else if (event.key === "ArrowRight") showAt(shown.index + 1);
  });
})();
