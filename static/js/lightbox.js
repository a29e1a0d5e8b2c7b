/* Lumina Host lightbox: a modal <dialog> over the timeline. Arrow keys and swipes move,
   Esc closes, Space plays a slideshow, F favourites, I shows the information panel,
   D downloads, +/-/0, the wheel, pinch and double-click zoom, dragging pans. The URL
   follows the open image (?asset=ID), so links open it and Back closes it. */
(function () {
  'use strict';
  const L = window.Lumina;
  const G = L && L.gallery;
  const dialog = document.getElementById('lightbox');
  if (!G || !dialog) return;
  const C = L.config;
  const el = L.el;
  const $ = (selector) => dialog.querySelector(selector);
  const stage = $('.lb-stage');
  const img = $('.lb-img');
  const ph = $('.ph');
  const title = $('#lb-title');
  const position = $('.lb-pos');
  const status = $('.lb-status');
  const info = $('.lb-info');
  const infoBody = $('.lb-info-body');
  const favButton = $('[data-lb=favorite]');
  const playButton = $('[data-lb=play]');
  const infoButton = $('[data-lb=info]');
  const prevButton = $('[data-lb=prev]');
  const nextButton = $('[data-lb=next]');
  const download = $('[data-lb=download]');
  const interval = $('#lb-interval');
  const details = new Map();
  let current = null;
  let pushed = false;
  let returnFocus = null;
  let timer = null;
  let statusTimer = null;

  const items = () => G.tiles().filter((li) => li.dataset.preview);
  const indexOf = (id) => items().findIndex((li) => li.dataset.id === String(id));

  function urlFor(id) {
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('asset', id);
    else url.searchParams.delete('asset');
    return url.pathname + url.search + url.hash;
  }

  function fromTile(li) {
    return {
      id: li.dataset.id, preview: li.dataset.preview, thumbhash: li.dataset.thumbhash,
      title: li.dataset.title, fav: li.dataset.fav === '1',
    };
  }
  function fromAsset(asset) {
    return {
      id: String(asset.id), preview: asset.urls.preview, thumbhash: asset.placeholder,
      title: G.title(asset), fav: !!asset.is_favorite,
    };
  }

  function announce(text) {
    status.textContent = text;
    status.hidden = false;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => { status.hidden = true; }, 2500);
  }

  /* --- zoom and pan: translate, then scale about the image centre (= stage centre) -------- */
  let scale = 1;
  let tx = 0;
  let ty = 0;
  function applyTransform() {
    img.style.transform = 'translate(' + tx + 'px, ' + ty + 'px) scale(' + scale + ')';
    stage.classList.toggle('zoomed', scale > 1.01);
  }
  function resetZoom() { scale = 1; tx = 0; ty = 0; applyTransform(); }
  function zoomAt(factor, clientX, clientY) {
    const r = stage.getBoundingClientRect();
    const qx = clientX - (r.left + r.width / 2);
    const qy = clientY - (r.top + r.height / 2);
    const target = Math.min(8, Math.max(1, scale * factor));
    const k = target / scale;
    tx = qx - (qx - tx) * k;
    ty = qy - (qy - ty) * k;
    scale = target;
    if (scale === 1) { tx = 0; ty = 0; }
    applyTransform();
  }
  function zoomBy(factor) {
    const r = stage.getBoundingClientRect();
    zoomAt(factor, r.left + r.width / 2, r.top + r.height / 2);
  }

  /* --- showing one image ------------------------------------------------------------------- */
  img.addEventListener('load', () => {
    img.classList.add('loaded');
    ph.hidden = true;
  });

  function show(data) {
    current = data;
    resetZoom();
    title.textContent = data.title;
    img.alt = data.title;
    img.classList.remove('loaded');
    const placeholder = L.placeholder(data.thumbhash);
    ph.hidden = !placeholder;
    if (placeholder) ph.src = placeholder;
    img.src = data.preview;
    favButton.setAttribute('aria-pressed', data.fav ? 'true' : 'false');
    download.href = G.apiUrl(data.id) + 'original/';
    updatePosition();
    if (!info.hidden) loadInfo(data.id);
  }

  function updatePosition() {
    if (!current) return;
    const list = items();
    const index = list.findIndex((li) => li.dataset.id === current.id);
    position.textContent = index >= 0 ? L.t('position', { index: index + 1, count: list.length + (G.hasMore() ? '+' : '') }) : '';
    prevButton.disabled = index <= 0;
    nextButton.disabled = index < 0 || (index >= list.length - 1 && !G.hasMore());
    // Neighbours load in the background, so moving on is instant.
    [list[index - 1], list[index + 1], list[index + 2]].forEach((li) => {
      if (li) new Image().src = li.dataset.preview;
    });
    if (index >= 0 && index >= list.length - 4 && G.hasMore()) G.loadMore();
  }
  document.addEventListener('lumina:tiles', updatePosition);

  async function go(delta) {
    if (!current) return false;
    let list = items();
    const index = list.findIndex((li) => li.dataset.id === current.id);
    if (index < 0) return false;
    const target = index + delta;
    if (target >= list.length && G.hasMore()) {
      await G.loadMore();
      list = items();
    }
    const li = list[target];
    if (!li) return false;
    history.replaceState({ lightbox: li.dataset.id }, '', urlFor(li.dataset.id));
    show(fromTile(li));
    return true;
  }

  /* --- open and close, kept in step with the history ----------------------------------------- */
  async function open(id, options) {
    const opts = options || {};
    id = String(id);
    const li = G.tile(id);
    let data = li && li.dataset.preview ? fromTile(li) : null;
    if (!data) {
      try {
        const asset = await L.api(G.apiUrl(id));
        if (asset.status !== 'ready' || asset.deleted_at) return;
        details.set(id, asset);
        data = fromAsset(asset);
      } catch (e) {
        return;
      }
    }
    if (!dialog.open) {
      returnFocus = li ? li.querySelector('.tile-link') : document.activeElement;
      dialog.showModal();
      document.documentElement.classList.add('lb-open');
    }
    if (opts.push) {
      history.pushState({ lightbox: id }, '', urlFor(id));
      pushed = true;
    } else {
      history.replaceState({ lightbox: id }, '', urlFor(id));
    }
    show(data);
  }

  function hide() {
    stop();
    if (dialog.open) dialog.close();
    document.documentElement.classList.remove('lb-open');
    current = null;
    pushed = false;
    img.removeAttribute('src');
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  }

  function close() {
    if (!dialog.open) return;
    if (pushed && history.state && history.state.lightbox) {
      history.back(); // popstate hides it
    } else {
      hide();
      history.replaceState(null, '', urlFor(null));
    }
  }

  window.addEventListener('popstate', (event) => {
    const id = event.state && event.state.lightbox;
    if (id) {
      open(id).then(() => { pushed = true; });
    } else if (dialog.open) {
      hide();
    }
  });

  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });

  /* --- slideshow, favourite, information -------------------------------------------------- */
  const saved = L.load('lumina.interval');
  if (saved && interval.querySelector('option[value="' + saved + '"]')) interval.value = saved;
  interval.addEventListener('change', () => {
    L.store('lumina.interval', interval.value);
    if (timer) schedule();
  });

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (await go(1)) schedule();
      else stop();
    }, Number(interval.value || 5) * 1000);
  }
  function play() {
    playButton.setAttribute('aria-pressed', 'true');
    announce(L.t('slideshowOn'));
    schedule();
  }
  function stop() {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    playButton.setAttribute('aria-pressed', 'false');
    if (dialog.open) announce(L.t('slideshowOff'));
  }
  const toggleSlideshow = () => (timer ? stop() : play());

  async function toggleFavorite() {
    if (!current) return;
    const on = !current.fav;
    const id = current.id;
    try {
      await L.api(C.api.bulk, { method: 'POST', body: { action: on ? 'favorite' : 'unfavorite', ids: [Number(id)] } });
    } catch (error) {
      announce(L.t('actionFailed', { message: error.message }));
      return;
    }
    details.delete(id);
    G.setFavorite(id, on);
    if (current && current.id === id) {
      current.fav = on;
      favButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    announce(L.t(on ? 'favoriteOn' : 'favoriteOff'));
  }

  function toggleInfo() {
    const show = info.hidden;
    info.hidden = !show;
    infoButton.setAttribute('aria-pressed', show ? 'true' : 'false');
    if (show && current) loadInfo(current.id);
  }

  function exposure(seconds) {
    return seconds < 1 ? '1/' + Math.round(1 / seconds) + ' s' : seconds + ' s';
  }

  async function loadInfo(id) {
    let asset = details.get(id);
    if (!asset) {
      infoBody.replaceChildren(el('p', {}, L.t('loading')));
      try {
        asset = await L.api(G.apiUrl(id));
        details.set(id, asset);
      } catch (error) {
        infoBody.replaceChildren(el('p', {}, error.message));
        return;
      }
    }
    if (!current || current.id !== id) return;
    const t = (key) => L.t('info.' + key);
    const camera = asset.camera || {};
    const rows = [
      [t('title'), asset.title],
      [t('filename'), asset.original_filename],
      [t('dimensions'), asset.width + ' × ' + asset.height],
      [t('size'), L.fmtBytes(asset.bytes)],
      [t('type'), asset.mime],
      [t('taken'), L.fmtDate(asset.taken_at, true)],
      [t('uploaded'), L.fmtDate(asset.created_at, true)],
      [t('camera'), [camera.make, camera.model].filter(Boolean).join(' ')],
      [t('lens'), camera.lens],
      [t('exposure'), camera.exposure_time ? exposure(camera.exposure_time) : ''],
      [t('aperture'), camera.f_number ? 'f/' + camera.f_number : ''],
      [t('iso'), camera.iso ? String(camera.iso) : ''],
      [t('focal'), camera.focal_length ? camera.focal_length + ' mm' : ''],
      [t('tags'), (asset.tags || []).join(', ')],
      [t('visibility'), L.t('visibility.' + asset.visibility)],
    ];
    const list = el('dl');
    rows.forEach((row) => {
      if (row[1]) list.append(el('dt', {}, row[0]), el('dd', {}, row[1]));
    });
    if (asset.gps) {
      const lat = Number(asset.gps.latitude).toFixed(5);
      const lon = Number(asset.gps.longitude).toFixed(5);
      const map = el('a', { href: 'https://www.openstreetmap.org/?mlat=' + lat + '&mlon=' + lon + '#map=15/' + lat + '/' + lon, rel: 'noopener noreferrer', target: '_blank' }, t('map'));
      list.append(el('dt', {}, t('place')), el('dd', {}, lat + ', ' + lon, el('br'), map));
    }
    infoBody.replaceChildren(list, el('p', {}, el('a', { href: G.detailUrl(id) }, t('details'))));
  }

  /* --- input: buttons, keys, wheel, pointers ----------------------------------------------- */
  dialog.addEventListener('click', (event) => {
    const control = event.target.closest('[data-lb]');
    if (!control) return;
    const action = control.dataset.lb;
    if (action === 'download') return; // the link downloads
    event.preventDefault();
    if (action === 'close') close();
    else if (action === 'prev') go(-1);
    else if (action === 'next') go(1);
    else if (action === 'play') toggleSlideshow();
    else if (action === 'favorite') toggleFavorite();
    else if (action === 'info') toggleInfo();
    else if (action === 'zoom-in') zoomBy(1.5);
    else if (action === 'zoom-out') zoomBy(1 / 1.5);
  });

  dialog.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target === interval) return;
    const key = event.key;
    if (key === 'ArrowRight') go(1);
    else if (key === 'ArrowLeft') go(-1);
    else if (key === 'Home') go(-indexOf(current && current.id));
    else if (key === 'End') go(items().length - 1 - indexOf(current && current.id));
    else if (key === ' ') toggleSlideshow();
    else if (key === 'f' || key === 'F') toggleFavorite();
    else if (key === 'i' || key === 'I') toggleInfo();
    else if (key === 'd' || key === 'D') download.click();
    else if (key === '+' || key === '=') zoomBy(1.5);
    else if (key === '-') zoomBy(1 / 1.5);
    else if (key === '0') resetZoom();
    else return;
    event.preventDefault();
  });

  stage.addEventListener('wheel', (event) => {
    event.preventDefault();
    zoomAt(Math.exp(-event.deltaY * 0.002), event.clientX, event.clientY);
  }, { passive: false });

  img.addEventListener('dblclick', (event) => {
    if (scale > 1.01) resetZoom();
    else zoomAt(2.5, event.clientX, event.clientY);
  });

  const pointers = new Map();
  let gesture = null;
  const midpoint = () => {
    const [a, b] = Array.from(pointers.values());
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.hypot(a.x - b.x, a.y - b.y) || 1 };
  };
  stage.addEventListener('pointerdown', (event) => {
    if (event.target.closest('button, a, select, .lb-bar')) return;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) {
      const m = midpoint();
      gesture = { type: 'pinch', d: m.d, scale: scale };
    } else if (pointers.size === 1) {
      gesture = { type: scale > 1.01 ? 'pan' : 'swipe', x: event.clientX, y: event.clientY, tx: tx, ty: ty };
    }
  });
  stage.addEventListener('pointermove', (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (gesture.type === 'pinch' && pointers.size === 2) {
      const m = midpoint();
      zoomAt((gesture.scale * m.d) / gesture.d / scale, m.x, m.y);
    } else if (gesture.type === 'pan') {
      tx = gesture.tx + (event.clientX - gesture.x);
      ty = gesture.ty + (event.clientY - gesture.y);
      applyTransform();
    }
  });
  const release = (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (gesture && gesture.type === 'swipe' && event.type === 'pointerup') {
      const dx = event.clientX - gesture.x;
      const dy = event.clientY - gesture.y;
      if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) * 1.5) go(dx < 0 ? 1 : -1);
    }
    if (!pointers.size) gesture = null;
    else if (gesture && gesture.type === 'pinch') gesture = null;
  };
  stage.addEventListener('pointerup', release);
  stage.addEventListener('pointercancel', release);

  L.lightbox = { open: open, close: close, isOpen: () => dialog.open, current: () => (current ? current.id : null) };

  // A deep link (?asset=ID) opens the viewer on that image.
  const initial = new URLSearchParams(window.location.search).get('asset');
  if (initial && /^\d+$/.test(initial)) open(initial);
})();
