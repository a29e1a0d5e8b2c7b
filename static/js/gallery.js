/* Lumina Host gallery: shared helpers (window.Lumina), then the timeline: placeholders,
   view modes and tile size, infinite scroll on the API cursor, processing tiles that turn
   ready, selection (click, Shift-click ranges, Ctrl/Cmd-A, keyboard) and bulk actions,
   and the trash. Tiles built here mirror templates/gallery/_tile.html. */
(function () {
  'use strict';
  const L = (window.Lumina = window.Lumina || {});

  function readJSON(id) {
    const node = document.getElementById(id);
    if (!node) return {};
    try { return JSON.parse(node.textContent); } catch (e) { return {}; }
  }
  const S = readJSON('lumina-strings');
  const C = (L.config = readJSON('gallery-config'));
  const lang = document.documentElement.lang || 'en';
  const plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

  /* --- helpers ----------------------------------------------------------------------- */

  // L.t('selected', {n: 3}): a translated string, plural forms chosen by Intl rules.
  L.t = function (key, vars) {
    let text = key.split('.').reduce((o, k) => (o ? o[k] : undefined), S);
    if (text && typeof text === 'object') {
      const form = plurals && vars && typeof vars.n === 'number' ? plurals.select(vars.n) : 'other';
      text = text[form] || text.other;
    }
    if (typeof text !== 'string') text = key;
    if (vars) Object.keys(vars).forEach((k) => { text = text.split('{' + k + '}').join(String(vars[k])); });
    return text;
  };

  L.csrf = function () {
    const meta = document.querySelector('meta[name=csrf-token]');
    return meta ? meta.content : '';
  };

  // JSON API call; rejects with the server's error message (the error envelope).
  L.api = async function (url, options) {
    const opts = options || {};
    const headers = { Accept: 'application/json' };
    const init = { method: opts.method || 'GET', headers: headers, credentials: 'same-origin' };
    if (init.method !== 'GET') headers['X-CSRFToken'] = L.csrf();
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    const response = await fetch(url, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || response.statusText || String(response.status));
      error.status = response.status;
      throw error;
    }
    return data;
  };

  // el('span', {class: 'x'}, 'text', child): a small DOM builder (no HTML strings).
  const el = (L.el = function (tag, attrs) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => {
      const value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      node.setAttribute(name, value === true ? '' : String(value));
    });
    for (let i = 2; i < arguments.length; i++) {
      const child = arguments[i];
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  });

  L.icon = function (name, label) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'icon icon-' + name);
    if (label) {
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', label);
    } else {
      svg.setAttribute('aria-hidden', 'true');
      svg.setAttribute('focusable', 'false');
    }
    const use = document.createElementNS(ns, 'use');
    use.setAttribute('href', (C.icons || '/static/img/icons.svg') + '#' + name);
    svg.append(use);
    return svg;
  };

  L.toast = function (message, options) {
    const opts = options || {};
    let box = document.getElementById('toasts');
    if (!box) {
      box = el('div', { class: 'toasts', id: 'toasts', 'aria-live': 'polite' });
      document.body.append(box);
    }
    const node = el('div', { class: 'toast' + (opts.error ? ' error' : '') }, el('span', {}, message));
    if (opts.action) {
      const button = el('button', { type: 'button' }, opts.action.label);
      button.addEventListener('click', () => { node.remove(); opts.action.run(); });
      node.append(button);
    }
    box.append(node);
    setTimeout(() => node.remove(), opts.timeout || 7000);
    return node;
  };

  L.confirm = function (message, okLabel) {
    return new Promise((resolve) => {
      const text = el('p', { id: 'confirm-text' }, message);
      const cancel = el('button', { type: 'button', class: 'ghost' }, L.t('cancel'));
      const ok = el('button', { type: 'button', class: 'danger' }, okLabel);
      const dialog = el('dialog', { class: 'confirm card', role: 'alertdialog', 'aria-describedby': 'confirm-text', 'aria-label': okLabel },
        text, el('div', { class: 'row' }, cancel, ok));
      document.body.append(dialog);
      const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
      cancel.addEventListener('click', () => done(false));
      ok.addEventListener('click', () => done(true));
      dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
      dialog.showModal();
      cancel.focus();
    });
  };

  const numberFormat = window.Intl ? new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }) : null;
  L.fmtBytes = function (bytes) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = Number(bytes) || 0;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (numberFormat ? numberFormat.format(value) : value.toFixed(1)) + '\u00a0' + units[unit];
  };
  L.fmtDate = function (iso, long) {
    if (!iso) return '';
    const date = new Date(iso);
    if (isNaN(date)) return '';
    try {
      return new Intl.DateTimeFormat(lang, long ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'short' }).format(date);
    } catch (e) { return date.toLocaleString(); }
  };
  L.store = function (key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } };
  L.load = function (key) { try { return localStorage.getItem(key); } catch (e) { return null; } };

  /* --- ThumbHash placeholders ----------------------------------------------------------
     Decoder ported from the reference implementation by Evan Wallace (MIT,
     https://github.com/evanw/thumbhash), the same algorithm as gallery/hashing.py. */

  function aspectRatio(hash) {
    const header = hash[3];
    const hasAlpha = hash[2] & 0x80;
    const isLandscape = hash[4] & 0x80;
    const lx = isLandscape ? (hasAlpha ? 5 : 7) : header & 7;
    const ly = isLandscape ? header & 7 : hasAlpha ? 5 : 7;
    return lx / ly;
  }

  function thumbHashToRGBA(hash) {
    const { PI, min, max, cos, round } = Math;
    const header24 = hash[0] | (hash[1] << 8) | (hash[2] << 16);
    const header16 = hash[3] | (hash[4] << 8);
    const lDc = (header24 & 63) / 63;
    const pDc = ((header24 >> 6) & 63) / 31.5 - 1;
    const qDc = ((header24 >> 12) & 63) / 31.5 - 1;
    const lScale = ((header24 >> 18) & 31) / 31;
    const hasAlpha = header24 >> 23;
    const pScale = ((header16 >> 3) & 63) / 63;
    const qScale = ((header16 >> 9) & 63) / 63;
    const isLandscape = header16 >> 15;
    const lx = max(3, isLandscape ? (hasAlpha ? 5 : 7) : header16 & 7);
    const ly = max(3, isLandscape ? header16 & 7 : hasAlpha ? 5 : 7);
    const aDc = hasAlpha ? (hash[5] & 15) / 15 : 1;
    const aScale = (hash[5] >> 4) / 15;
    const acStart = hasAlpha ? 6 : 5;
    let acIndex = 0;
    const channel = (nx, ny, scale) => {
      const ac = [];
      for (let cy = 0; cy < ny; cy++) {
        for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
          ac.push((((hash[acStart + (acIndex >> 1)] >> ((acIndex++ & 1) << 2)) & 15) / 7.5 - 1) * scale);
        }
      }
      return ac;
    };
    const lAc = channel(lx, ly, lScale);
    const pAc = channel(3, 3, pScale * 1.25);
    const qAc = channel(3, 3, qScale * 1.25);
    const aAc = hasAlpha ? channel(5, 5, aScale) : null;
    const ratio = aspectRatio(hash);
    const w = round(ratio > 1 ? 32 : 32 * ratio);
    const h = round(ratio > 1 ? 32 / ratio : 32);
    const rgba = new Uint8ClampedArray(w * h * 4);
    const fx = [];
    const fy = [];
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i += 4) {
        let l = lDc, p = pDc, q = qDc, a = aDc;
        for (let cx = 0, n = max(lx, hasAlpha ? 5 : 3); cx < n; cx++) fx[cx] = cos((PI / w) * (x + 0.5) * cx);
        for (let cy = 0, n = max(ly, hasAlpha ? 5 : 3); cy < n; cy++) fy[cy] = cos((PI / h) * (y + 0.5) * cy);
        for (let cy = 0, j = 0; cy < ly; cy++) {
          for (let cx = cy ? 0 : 1, fy2 = fy[cy] * 2; cx * ly < lx * (ly - cy); cx++, j++) l += lAc[j] * fx[cx] * fy2;
        }
        for (let cy = 0, j = 0; cy < 3; cy++) {
          for (let cx = cy ? 0 : 1, fy2 = fy[cy] * 2; cx < 3 - cy; cx++, j++) {
            const f = fx[cx] * fy2;
            p += pAc[j] * f;
            q += qAc[j] * f;
          }
        }
        if (aAc) {
          for (let cy = 0, j = 0; cy < 5; cy++) {
            for (let cx = cy ? 0 : 1, fy2 = fy[cy] * 2; cx < 5 - cy; cx++, j++) a += aAc[j] * fx[cx] * fy2;
          }
        }
        const b = l - (2 / 3) * p;
        const r = (3 * l - b + q) / 2;
        const g = r - q;
        rgba[i] = max(0, 255 * min(1, r));
        rgba[i + 1] = max(0, 255 * min(1, g));
        rgba[i + 2] = max(0, 255 * min(1, b));
        rgba[i + 3] = max(0, 255 * min(1, a));
      }
    }
    return { w: w, h: h, rgba: rgba };
  }

  const placeholders = new Map();
  // A PNG data URL for a base64 ThumbHash ('' when there is none or it is malformed).
  L.placeholder = function (b64) {
    if (!b64) return '';
    if (placeholders.has(b64)) return placeholders.get(b64);
    let url = '';
    try {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const image = thumbHashToRGBA(bytes);
      const canvas = document.createElement('canvas');
      canvas.width = image.w;
      canvas.height = image.h;
      const ctx = canvas.getContext('2d');
      ctx.putImageData(new ImageData(image.rgba, image.w, image.h), 0, 0);
      url = canvas.toDataURL();
    } catch (e) { url = ''; }
    placeholders.set(b64, url);
    return url;
  };

  function paintPlaceholder(container, b64) {
    if (!container || container.querySelector(':scope > .ph')) return;
    const url = L.placeholder(b64);
    if (!url) return;
    container.prepend(el('img', { class: 'ph', alt: '', 'aria-hidden': 'true', src: url }));
  }

  function markLoaded(img) {
    if (!img) return;
    if (img.complete && img.naturalWidth) img.classList.add('loaded');
    else img.addEventListener('load', () => img.classList.add('loaded'), { once: true });
  }

  // The asset page: the placeholder under the preview.
  const preview = document.querySelector('.detail-preview[data-thumbhash]');
  if (preview) paintPlaceholder(preview, preview.getAttribute('data-thumbhash'));

  /* --- the timeline ------------------------------------------------------------------ */

  const list = document.getElementById('assets');
  if (!list) return;
  const G = (L.gallery = {});
  const isTrash = C.kind === 'trash';
  const SIZES = C.sizes || 'auto, (max-width: 560px) 45vw, 260px';
  const TILE_SPECS = ['thumb-400', 'small-800', 'preview-1600'];
  const FORMATS = ['avif', 'webp', 'jpeg'];
  const MIME = { avif: 'image/avif', webp: 'image/webp', jpeg: 'image/jpeg' };
  const empty = document.getElementById('empty');
  const end = document.getElementById('feed-end');
  const endText = end ? end.querySelector('.feed-text') : null;

  G.tiles = () => Array.from(list.querySelectorAll('.tile'));
  G.tile = (id) => document.getElementById('asset-' + id);
  G.detailUrl = (id) => (C.detail || '/assets/0/').replace(/0\/$/, id + '/');
  G.apiUrl = (id) => (C.api && C.api.list ? C.api.list : '/api/v1/assets/') + id + '/';

  function setupTile(li) {
    if (li.dataset.wired) return;
    li.dataset.wired = '1';
    const w = Number(li.dataset.w) || 4;
    const h = Number(li.dataset.h) || 3;
    li.style.setProperty('--ar', (w / h).toFixed(4));
    paintPlaceholder(li.querySelector('.tile-link'), li.dataset.thumbhash);
    markLoaded(li.querySelector('picture img'));
  }
  G.tiles().forEach(setupTile);

  function scaled(width, height, edge) {
    const w = Math.max(1, width || 1);
    const h = Math.max(1, height || 1);
    const s = Math.min(1, edge / Math.max(w, h));
    return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
  }

  // <picture> sources from the API's renditions, as gallery/templatetags/gallery.py does.
  function pictureFor(asset) {
    const byFormat = {};
    (asset.renditions || []).forEach((r) => {
      if (TILE_SPECS.indexOf(r.spec) >= 0 && MIME[r.format]) (byFormat[r.format] = byFormat[r.format] || []).push(r);
    });
    const formats = FORMATS.filter((f) => byFormat[f] && byFormat[f].length);
    if (!formats.length) return null;
    const srcset = (fmt) => {
      const seen = new Set();
      return byFormat[fmt]
        .sort((a, b) => a.width - b.width)
        .filter((r) => !seen.has(r.width) && seen.add(r.width))
        .map((r) => r.url + ' ' + r.width + 'w')
        .join(', ');
    };
    const fallback = formats[formats.length - 1];
    return {
      sources: formats.slice(0, -1).map((f) => ({ type: MIME[f], srcset: srcset(f) })),
      src: byFormat[fallback][0].url,
      srcset: srcset(fallback),
    };
  }

  G.title = (asset) => asset.title || asset.original_filename || L.t('untitled');

  G.buildTile = function (asset) {
    const title = G.title(asset);
    const ready = asset.status === 'ready';
    const li = el('li', {
      class: 'tile', id: 'asset-' + asset.id, 'data-id': asset.id, 'data-status': asset.status,
      'data-w': asset.width, 'data-h': asset.height, 'data-thumbhash': asset.placeholder || '',
      'data-title': title, 'data-fav': asset.is_favorite ? '1' : '0',
      'data-preview': ready && !isTrash && asset.urls ? asset.urls.preview : null,
    });
    const link = el('a', { class: 'tile-link', href: G.detailUrl(asset.id) });
    const pic = ready && !isTrash ? pictureFor(asset) : null;
    if (pic) {
      const picture = el('picture');
      pic.sources.forEach((s) => picture.append(el('source', { type: s.type, srcset: s.srcset, sizes: SIZES })));
      const size = scaled(asset.width, asset.height, 400);
      picture.append(el('img', { class: 'fade-in', src: pic.src, srcset: pic.srcset, sizes: SIZES, alt: title, width: size[0], height: size[1], loading: 'lazy', decoding: 'async' }));
      link.append(picture);
    } else {
      link.append(el('span', { class: 'visually-hidden' }, title));
    }
    if (asset.status === 'processing') {
      link.append(el('span', { class: 'tile-state' }, el('span', { class: 'spinner' }), el('span', {}, L.t('processing'))));
    } else if (asset.status === 'failed') {
      link.append(el('span', { class: 'tile-state' }, el('span', {}, L.t('failed')), el('small', {}, asset.failure_reason || '')));
    }
    link.append(el('span', { class: 'tile-caption', 'aria-hidden': 'true' }, title));
    li.append(link);
    const status = ready ? L.t('ready') : asset.status === 'failed' ? L.t('failed') : L.t('processing');
    li.append(el('div', { class: 'tile-meta' },
      el('span', { class: 'name' }, title),
      el('span', { class: 'size' }, L.fmtBytes(asset.bytes)),
      el('span', { class: 'date' }, L.fmtDate(isTrash && asset.deleted_at ? asset.deleted_at : asset.created_at)),
      el('span', { class: 'status' }, status)));
    li.append(el('button', { type: 'button', class: 'tile-check', 'aria-pressed': 'false', 'aria-label': L.t('select', { name: title }) }, L.icon('check')));
    const fav = el('span', { class: 'tile-fav' }, L.icon('star', L.t('favorite')));
    fav.hidden = !asset.is_favorite;
    li.append(fav);
    setupTile(li);
    return li;
  };

  G.replaceTile = function (old, asset) {
    const fresh = G.buildTile(asset);
    if (old.classList.contains('selected')) {
      fresh.classList.add('selected');
      fresh.querySelector('.tile-check').setAttribute('aria-pressed', 'true');
    }
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(fresh);
    if (hadFocus) fresh.querySelector('.tile-link').focus();
    document.dispatchEvent(new CustomEvent('lumina:tile', { detail: { id: String(asset.id) } }));
    return fresh;
  };

  G.setFavorite = function (id, on) {
    const li = G.tile(id);
    if (!li) return;
    li.dataset.fav = on ? '1' : '0';
    const badge = li.querySelector('.tile-fav');
    if (badge) badge.hidden = !on;
  };

  function syncEmpty() {
    const any = !!list.querySelector('.tile');
    if (empty) empty.hidden = any;
    if (end) end.hidden = !any && !next;
    const emptyTrash = document.getElementById('empty-trash');
    if (emptyTrash) emptyTrash.hidden = !any;
  }

  /* --- view mode and size, remembered per browser ------------------------------------ */

  const VIEWS = ['grid', 'justified', 'list'];
  G.setView = function (view) {
    if (VIEWS.indexOf(view) < 0) view = 'grid';
    VIEWS.forEach((v) => list.classList.toggle('view-' + v, v === view));
    const radio = document.getElementById('view-' + view);
    if (radio) radio.checked = true;
    list.dataset.view = view;
  };
  G.setSize = function (px) {
    const size = Math.max(100, Math.min(400, Number(px) || 200));
    list.style.setProperty('--size', size + 'px');
    const slider = document.getElementById('tile-size');
    if (slider) slider.value = size;
  };
  if (C.kind !== 'upload') {
    G.setView(L.load('lumina.view') || 'grid');
    G.setSize(L.load('lumina.size') || 200);
  }
  document.querySelectorAll('input[name=view]').forEach((radio) => {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      G.setView(radio.value);
      L.store('lumina.view', radio.value);
    });
  });
  const slider = document.getElementById('tile-size');
  if (slider) {
    slider.addEventListener('input', () => {
      G.setSize(slider.value);
      L.store('lumina.size', slider.value);
    });
  }

  /* --- infinite scroll on the API cursor ------------------------------------------------ */

  let next = end ? end.getAttribute('data-next') || '' : '';
  let loading = null;
  G.hasMore = () => !!next;

  function setEndText(text, retry) {
    if (!endText) return;
    endText.replaceChildren(text);
    if (retry) {
      const button = el('button', { type: 'button', class: 'ghost' }, L.t('retry'));
      button.addEventListener('click', () => G.loadMore());
      endText.append(' ', button);
    }
  }

  G.loadMore = function () {
    if (loading) return loading;
    if (!next) return Promise.resolve(false);
    end.classList.add('loading');
    list.setAttribute('aria-busy', 'true');
    setEndText(L.t('loading'));
    loading = L.api(next)
      .then((data) => {
        const fragment = document.createDocumentFragment();
        (data.results || []).forEach((asset) => {
          if (!G.tile(asset.id)) fragment.append(G.buildTile(asset));
        });
        list.append(fragment);
        next = data.next || '';
        end.setAttribute('data-next', next);
        setEndText(next ? '' : L.t('end'));
        document.dispatchEvent(new CustomEvent('lumina:tiles'));
        watchProcessing();
        return true;
      })
      .catch(() => {
        setEndText(navigator.onLine === false ? L.t('offline') : L.t('loadFailed'), true);
        return false;
      })
      .finally(() => {
        loading = null;
        end.classList.remove('loading');
        list.removeAttribute('aria-busy');
      });
    return loading;
  };

  function nearEnd() {
    return end && !end.hidden && end.getBoundingClientRect().top < window.innerHeight + 800;
  }

  if (end && next) {
    setEndText('');
    if ('IntersectionObserver' in window) {
      const observer = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        const step = () => G.loadMore().then((ok) => {
          if (!next) observer.disconnect();
          else if (ok && nearEnd()) step();
        });
        step();
      }, { rootMargin: '800px 0px' });
      observer.observe(end);
    } else {
      setEndText('', true);
    }
  }

  /* --- tiles still processing turn ready by themselves ----------------------------------- */

  let pollTimer = null;
  let pollDelay = 1500;
  function watchProcessing() {
    if (pollTimer || !list.querySelector('.tile[data-status=processing]')) return;
    pollTimer = setTimeout(poll, pollDelay);
  }
  G.watchProcessing = watchProcessing;

  async function poll() {
    pollTimer = null;
    const waiting = Array.from(list.querySelectorAll('.tile[data-status=processing]'));
    if (!waiting.length) { pollDelay = 1500; return; }
    try {
      // One request tells which are still processing; only the others are fetched.
      const data = await L.api((C.api.list || '/api/v1/assets/') + '?status=processing&page_size=200' + (isTrash ? '&trashed=1' : ''));
      const still = new Set((data.results || []).map((a) => String(a.id)));
      for (const li of waiting) {
        if (still.has(li.dataset.id)) continue;
        try { G.replaceTile(li, await L.api(G.apiUrl(li.dataset.id))); } catch (e) { if (e.status === 404) li.remove(); }
      }
    } catch (e) { /* offline for a moment: try again later */ }
    pollDelay = Math.min(pollDelay * 1.25, 10000);
    watchProcessing();
  }
  watchProcessing();

  // The usage line follows uploads (once they settle).
  let usageTimer = null;
  function refreshUsage() {
    const target = document.getElementById('usage-text');
    if (!target || !C.api || !C.api.usage) return;
    clearTimeout(usageTimer);
    usageTimer = setTimeout(() => {
      L.api(C.api.usage).then((u) => {
        target.textContent = L.t('usage', { n: u.assets_count, size: L.fmtBytes(u.total_bytes) });
      }).catch(() => {});
    }, 800);
  }

  // New uploads appear at the top of the timeline (or of the upload page's list).
  document.addEventListener('lumina:uploaded', (event) => {
    const asset = event.detail;
    refreshUsage();
    if (!asset || isTrash || C.filtered) return;
    const old = G.tile(asset.id);
    if (old) { if (old.dataset.status !== asset.status) G.replaceTile(old, asset); return; }
    list.prepend(G.buildTile(asset));
    syncEmpty();
    if (asset.status === 'processing') { pollDelay = 1500; watchProcessing(); }
  });

  /* --- selection ---------------------------------------------------------------------------- */

  const bar = document.getElementById('bulkbar');
  const selectToggle = document.getElementById('select-toggle');
  const selected = new Set();
  let anchor = null;
  let selecting = false;

  G.selected = () => Array.from(selected);

  function mark(li, on) {
    li.classList.toggle('selected', on);
    const check = li.querySelector('.tile-check');
    if (check) check.setAttribute('aria-pressed', on ? 'true' : 'false');
    if (on) selected.add(li.dataset.id);
    else selected.delete(li.dataset.id);
  }

  function updateBar() {
    const n = selected.size;
    if (bar) {
      bar.hidden = n === 0;
      bar.querySelector('.count').textContent = L.t('selected', { n: n });
    }
    list.classList.toggle('selecting', selecting || n > 0);
  }

  function setSelecting(on) {
    selecting = on;
    if (selectToggle) selectToggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    updateBar();
  }

  G.toggle = function (li, range) {
    const all = G.tiles();
    if (range && anchor && anchor !== li && list.contains(anchor)) {
      const a = all.indexOf(anchor);
      const b = all.indexOf(li);
      for (let i = Math.min(a, b); i <= Math.max(a, b); i++) mark(all[i], true);
    } else {
      mark(li, !li.classList.contains('selected'));
      anchor = li;
    }
    updateBar();
  };
  G.selectAll = function () {
    G.tiles().forEach((li) => mark(li, true));
    updateBar();
  };
  G.clearSelection = function () {
    G.tiles().forEach((li) => mark(li, false));
    selected.clear();
    anchor = null;
    updateBar();
  };

  if (selectToggle) {
    selectToggle.addEventListener('click', () => {
      const on = !selecting;
      if (!on) G.clearSelection();
      setSelecting(on);
    });
  }

  list.addEventListener('click', (event) => {
    const li = event.target.closest('.tile');
    if (!li || !list.contains(li)) return;
    if (event.target.closest('.tile-check')) {
      event.preventDefault();
      G.toggle(li, event.shiftKey);
      return;
    }
    if (!event.target.closest('.tile-link')) return;
    if (selecting || selected.size || event.shiftKey || event.ctrlKey || event.metaKey || isTrash) {
      event.preventDefault();
      G.toggle(li, event.shiftKey);
      return;
    }
    if (L.lightbox && li.dataset.preview) {
      event.preventDefault();
      L.lightbox.open(li.dataset.id, { push: true });
    }
  });

  function moveFocus(li, key) {
    const all = G.tiles();
    const index = all.indexOf(li);
    let target = null;
    if (key === 'ArrowLeft') target = all[index - 1];
    else if (key === 'ArrowRight') target = all[index + 1];
    else if (key === 'Home') target = all[0];
    else if (key === 'End') target = all[all.length - 1];
    else {
      const r = li.getBoundingClientRect();
      const centre = r.left + r.width / 2;
      const down = key === 'ArrowDown';
      let best = Infinity;
      all.forEach((t) => {
        const q = t.getBoundingClientRect();
        if (down ? q.top < r.bottom - 1 : q.bottom > r.top + 1) return;
        const score = Math.abs(down ? q.top - r.bottom : r.top - q.bottom) * 10 + Math.abs(q.left + q.width / 2 - centre);
        if (score < best) { best = score; target = t; }
      });
    }
    if (!target && (key === 'ArrowDown' || key === 'ArrowRight' || key === 'End') && next) {
      G.loadMore();
      return;
    }
    if (target) {
      const link = target.querySelector('.tile-link');
      link.focus();
      link.scrollIntoView({ block: 'nearest' });
    }
  }

  document.addEventListener('keydown', (event) => {
    if (L.lightbox && L.lightbox.isOpen()) return;
    if (document.querySelector('dialog[open]')) return;
    const target = event.target;
    const tag = (target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a') {
      event.preventDefault();
      G.selectAll();
      return;
    }
    if (event.key === 'Escape' && (selected.size || selecting)) {
      G.clearSelection();
      setSelecting(false);
      return;
    }
    const li = target.closest ? target.closest('.tile') : null;
    if (!li || !list.contains(li)) return;
    if (event.key === 'x' || (event.key === ' ' && (selecting || selected.size))) {
      event.preventDefault();
      G.toggle(li, event.shiftKey);
    } else if (['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'].indexOf(event.key) >= 0) {
      event.preventDefault();
      moveFocus(li, event.key);
    }
  });

  /* --- bulk actions ----------------------------------------------------------------------- */

  async function bulk(action, params) {
    const ids = Array.from(selected).map(Number);
    try {
      return await L.api(C.api.bulk, { method: 'POST', body: Object.assign({ action: action, ids: ids }, params || {}) });
    } catch (error) {
      L.toast(L.t('actionFailed', { message: error.message }), { error: true });
      throw error;
    }
  }

  // Removed tiles remember where they were, so that Undo puts them back in place.
  function removeTiles(ids) {
    const removed = [];
    ids.forEach((id) => {
      const li = G.tile(id);
      if (!li) return;
      removed.push({ li: li, before: li.nextElementSibling });
      mark(li, false);
      li.remove();
    });
    syncEmpty();
    document.dispatchEvent(new CustomEvent('lumina:tiles'));
    return removed;
  }
  function putBack(removed) {
    removed.slice().reverse().forEach((r) => {
      if (r.before && r.before.parentNode === list) list.insertBefore(r.li, r.before);
      else list.append(r.li);
    });
    syncEmpty();
  }

  async function run(action, params) {
    const ids = Array.from(selected);
    const n = ids.length;
    if (!n) return;
    try { await bulk(action, params); } catch (e) { return; }
    if (action === 'delete' || action === 'restore') {
      const removed = removeTiles(ids);
      anchor = null;
      updateBar();
      if (action === 'delete') {
        L.toast(L.t('movedToTrash', { n: n }), {
          action: {
            label: L.t('undo'),
            run: () => L.api(C.api.bulk, { method: 'POST', body: { action: 'restore', ids: ids.map(Number) } })
              .then(() => putBack(removed))
              .catch((error) => L.toast(L.t('actionFailed', { message: error.message }), { error: true })),
          },
        });
      } else {
        L.toast(L.t('restored', { n: n }));
      }
    } else if (action === 'favorite' || action === 'unfavorite') {
      ids.forEach((id) => G.setFavorite(id, action === 'favorite'));
      L.toast(L.t(action === 'favorite' ? 'favorited' : 'unfavorited', { n: n }));
    } else if (action === 'tag') {
      L.toast(L.t('tagged', { n: n }));
    } else if (action === 'set_visibility') {
      L.toast(L.t('visibilitySet', { n: n }));
    }
  }
  G.run = run;

  if (bar) {
    bar.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (!button) return;
      if (button.dataset.action === 'clear') {
        G.clearSelection();
        setSelecting(false);
      } else {
        run(button.dataset.action);
      }
    });
    const tagForm = document.getElementById('bulk-tag-form');
    if (tagForm) {
      tagForm.addEventListener('submit', (event) => {
        event.preventDefault();
        const input = tagForm.querySelector('input');
        const name = input.value.trim();
        if (!name) { L.toast(L.t('tagPrompt'), { error: true }); input.focus(); return; }
        run('tag', { tags: [name] }).then(() => { input.value = ''; });
      });
    }
    const zipForm = document.getElementById('bulk-zip-form');
    if (zipForm) {
      // A real form post: the browser streams the ZIP straight to a download.
      zipForm.addEventListener('submit', () => {
        zipForm.querySelectorAll('input[name="asset_ids"]').forEach((input) => input.remove());
        Array.from(selected).forEach((id) => {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = 'asset_ids';
          input.value = id;
          zipForm.append(input);
        });
      });
    }
    const visibility = document.getElementById('bulk-visibility');
    if (visibility) {
      visibility.addEventListener('change', () => {
        if (!visibility.value) return;
        run('set_visibility', { visibility: visibility.value }).then(() => { visibility.value = ''; });
      });
    }
  }

  const emptyTrash = document.getElementById('empty-trash');
  if (emptyTrash) {
    emptyTrash.addEventListener('click', async () => {
      if (!(await L.confirm(L.t('emptyConfirm'), L.t('deleteForGood')))) return;
      try {
        const result = await L.api(C.api.trashEmpty, { method: 'POST' });
        G.clearSelection();
        list.replaceChildren();
        next = '';
        syncEmpty();
        L.toast(L.t('trashEmptied', { n: result.count }));
      } catch (error) {
        L.toast(L.t('actionFailed', { message: error.message }), { error: true });
      }
    });
  }
})();
