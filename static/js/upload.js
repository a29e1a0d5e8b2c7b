/* Lumina Host uploads: drop files or whole folders anywhere on the page, or pick them.
   Each file gets a preview (made in the browser), a progress bar, cancel and retry; three
   go at a time; a refusal shows the server's own message. Folder paths are sent as
   `relative_path`. Finished uploads are announced as `lumina:uploaded` events.
   Limits: a 429 pauses the whole queue for the server's Retry-After (the file shows
   "waiting", never "failed") and then it resumes by itself; a lost connection or a 5xx
   is tried again a few times with growing pauses before the file counts as failed. */
(function () {
  'use strict';
  const L = window.Lumina;
  if (!L || !L.config || !L.config.canEdit) return;
  const C = L.config;
  const el = L.el;
  const panel = document.getElementById('upload-panel');
  if (!panel) return;
  const list = panel.querySelector('.upload-list');
  const summary = panel.querySelector('.summary');
  const overlay = document.getElementById('drop-overlay');
  const dropzone = document.getElementById('dropzone');
  const PARALLEL = 3;
  // Transient failures (connection lost, 5xx): tried again after 1, 2, 4 and 8 s.
  const RETRIES = 4;
  const TRANSIENT = [0, 408, 500, 502, 503, 504];
  // System files that folders carry along: never images.
  const SKIP = /^(\.|thumbs\.db$|desktop\.ini$)/i;
  const items = [];
  let active = 0;
  // While the server asks us to wait (429), no upload starts (ms since the epoch).
  let pausedUntil = 0;
  let ticker = null;

  const newKey = () => (window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2));
  const field = (name) => {
    const input = document.querySelector('[data-upload-field="' + name + '"]');
    return input ? input.value.trim() : '';
  };

  const BUSY = ['queued', 'uploading', 'waiting'];
  const secondsLeft = (until) => Math.max(1, Math.ceil((until - Date.now()) / 1000));

  function render() {
    const live = items.filter((i) => i.state !== 'canceled');
    const done = live.filter((i) => i.state === 'done').length;
    const busy = items.filter((i) => BUSY.indexOf(i.state) >= 0).length;
    const counts = L.t('uploadsSummary', { done: done, total: live.length });
    if (busy && Date.now() < pausedUntil) {
      summary.textContent = L.t('uploadsPaused', { s: secondsLeft(pausedUntil) }) + ' · ' + counts;
    } else {
      summary.textContent = (busy ? L.t('uploading', { n: busy }) : L.t('uploadsDone')) + ' · ' + counts;
    }
  }

  function setState(item, state, message) {
    item.state = state;
    item.node.className = 'upload-item ' + state;
    item.node.dataset.state = state;
    item.msg.textContent = message;
    item.cancel.hidden = BUSY.indexOf(state) < 0;
    item.retry.hidden = !(state === 'failed' || state === 'canceled');
    render();
  }

  function makeItem(entry) {
    const file = entry.file;
    const item = { file: file, path: entry.path || '', state: 'queued', xhr: null, key: newKey(), retries: 0, resumeAt: 0, why: '' };
    const thumb = el('img', { class: 'thumb', alt: '', loading: 'lazy', decoding: 'async' });
    if (/^image\/(jpeg|png|gif|webp|avif|bmp)$/.test(file.type) && file.size < 40e6) {
      item.preview = URL.createObjectURL(file);
      thumb.src = item.preview;
    }
    const name = el('span', { class: 'name', title: item.path || file.name }, file.name);
    const folder = item.path.indexOf('/') >= 0 ? item.path.slice(0, item.path.lastIndexOf('/')) : '';
    if (folder) name.append(' ', el('span', { class: 'path' }, folder + '/'));
    item.progress = el('progress', { max: 100, value: 0, 'aria-label': file.name });
    item.msg = el('span', { class: 'msg' }, L.t('queued'));
    item.cancel = el('button', { type: 'button', class: 'ghost icon-only', 'data-upload': 'cancel', 'aria-label': L.t('cancelUpload', { name: file.name }) }, L.icon('x'));
    item.retry = el('button', { type: 'button', class: 'ghost icon-only', 'data-upload': 'retry', 'aria-label': L.t('retryUpload', { name: file.name }), hidden: true }, L.icon('restore'));
    item.cancel.addEventListener('click', () => cancel(item));
    item.retry.addEventListener('click', () => retry(item));
    item.node = el('li', { class: 'upload-item queued', 'data-state': 'queued' }, thumb, name, el('span', { class: 'actions' }, item.retry, item.cancel), item.progress, item.msg);
    return item;
  }

  function add(entries) {
    const fresh = entries.filter((e) => e.file && !SKIP.test(e.file.name));
    if (!fresh.length) return;
    fresh.forEach((entry) => {
      const item = makeItem(entry);
      items.push(item);
      list.append(item.node);
    });
    panel.hidden = false;
    render();
    pump();
  }
  L.upload = { add: add };

  function pump() {
    if (Date.now() < pausedUntil) return; // the ticker pumps again when the pause ends
    while (active < PARALLEL) {
      const item = items.find((i) => i.state === 'queued');
      if (!item) break;
      send(item);
    }
  }

  /* --- waiting: the server's Retry-After, or a pause before trying again ---------------- */

  // Seconds from Retry-After (seconds or an HTTP date), else the envelope's retry_after.
  function retryAfter(xhr, data) {
    const header = xhr.getResponseHeader('Retry-After');
    let seconds = NaN;
    if (header && /^\s*\d+\s*$/.test(header)) seconds = parseInt(header, 10);
    else if (header && !isNaN(Date.parse(header))) seconds = (Date.parse(header) - Date.now()) / 1000;
    if (isNaN(seconds) && data && data.error && data.error.details) seconds = Number(data.error.details.retry_after);
    return isNaN(seconds) ? null : Math.min(3600, Math.max(1, seconds));
  }

  function waitingText(item) {
    const s = secondsLeft(Math.max(item.resumeAt, pausedUntil));
    return item.why === 'limit' ? L.t('waitingLimit', { s: s }) : L.t('waitingRetry', { s: s });
  }

  function wait(item, why, seconds) {
    // A little jitter so that many tabs (or files) do not come back in the same instant.
    item.why = why;
    item.resumeAt = Date.now() + seconds * 1000 + Math.random() * 300;
    if (why === 'limit') pausedUntil = Math.max(pausedUntil, item.resumeAt);
    item.progress.value = 0;
    setState(item, 'waiting', waitingText(item));
    if (!ticker) ticker = setInterval(tick, 250);
  }

  function tick() {
    const now = Date.now();
    let waiting = 0;
    items.forEach((item) => {
      if (item.state !== 'waiting') return;
      if (now >= item.resumeAt && now >= pausedUntil) setState(item, 'queued', L.t('queued'));
      else { waiting++; item.msg.textContent = waitingText(item); }
    });
    render();
    if (!waiting && now >= pausedUntil) { clearInterval(ticker); ticker = null; }
    pump();
  }

  // The upload did not go through for a reason that passes: wait, then try again.
  function transient(item, xhr, data) {
    if (item.retries >= RETRIES) return false;
    item.retries++;
    const backoff = Math.pow(2, item.retries - 1);
    wait(item, 'retry', (xhr && retryAfter(xhr, data)) || backoff);
    return true;
  }

  function send(item) {
    active++;
    setState(item, 'uploading', L.t('sending', { percent: 0 }));
    const form = new FormData();
    form.append('file', item.file, item.file.name);
    if (item.path.indexOf('/') >= 0) form.append('relative_path', item.path);
    const tags = field('tags');
    const visibility = field('visibility');
    if (tags) form.append('tags', tags);
    if (visibility) form.append('visibility', visibility);
    const xhr = (item.xhr = new XMLHttpRequest());
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      active--;
      item.xhr = null;
      setTimeout(pump, 0);
    };
    xhr.open('POST', C.api.list);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRFToken', L.csrf());
    xhr.setRequestHeader('Idempotency-Key', item.key);
    xhr.upload.addEventListener('progress', (event) => {
      if (!event.lengthComputable || item.state !== 'uploading') return;
      const percent = Math.round((event.loaded / event.total) * 100);
      item.progress.value = percent;
      item.msg.textContent = percent >= 100 ? L.t('checking') : L.t('sending', { percent: percent });
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if ((xhr.status === 200 || xhr.status === 201) && data) {
        item.progress.value = 100;
        setState(item, 'done', data.duplicate ? L.t('duplicate') : L.t('uploaded'));
        item.asset = data;
        document.dispatchEvent(new CustomEvent('lumina:uploaded', { detail: data }));
      } else if (xhr.status === 429) {
        // Over the rate limit: not the file's fault. Wait as long as the server says
        // (every file waits, since the next ones would only be refused too).
        wait(item, 'limit', retryAfter(xhr, data) || 5);
      } else if (TRANSIENT.indexOf(xhr.status) >= 0 && transient(item, xhr, data)) {
        // waiting to try again
      } else {
        item.key = newKey(); // the server answered: a retry is a new request
        setState(item, 'failed', (data && data.error && data.error.message) || L.t('serverError'));
      }
      finish();
    });
    xhr.addEventListener('error', () => {
      // The same Idempotency-Key on the next try: the request may have arrived.
      if (!transient(item, null, null)) setState(item, 'failed', L.t('networkError'));
      finish();
    });
    xhr.addEventListener('abort', () => {
      finish();
      setState(item, 'canceled', L.t('canceled'));
    });
    xhr.send(form);
  }

  function cancel(item) {
    if (item.state === 'uploading' && item.xhr) item.xhr.abort();
    else if (item.state === 'queued' || item.state === 'waiting') setState(item, 'canceled', L.t('canceled'));
  }

  function retry(item) {
    item.progress.value = 0;
    item.retries = 0;
    setState(item, 'queued', L.t('queued'));
    pump();
  }

  panel.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-upload]');
    if (!button) return;
    if (button.dataset.upload === 'hide') {
      panel.hidden = true;
    } else if (button.dataset.upload === 'clear') {
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i];
        if (item.state !== 'done' && item.state !== 'canceled') continue;
        if (item.preview) URL.revokeObjectURL(item.preview);
        item.node.remove();
        items.splice(i, 1);
      }
      if (!items.length) panel.hidden = true;
      else render();
    }
  });

  /* --- pickers ------------------------------------------------------------------------- */
  document.querySelectorAll('input.js-upload-files, input.js-upload-folder').forEach((input) => {
    input.addEventListener('change', () => {
      add(Array.from(input.files || []).map((file) => ({ file: file, path: file.webkitRelativePath || '' })));
      input.value = '';
    });
  });
  const form = document.getElementById('upload-form');
  if (form) form.addEventListener('submit', (event) => event.preventDefault());

  /* --- drop anywhere: files, or folders walked through the entries API ------------------ */
  async function walk(entry, out) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ file: file, path: entry.fullPath.replace(/^\//, '') });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child, out);
      }
    }
  }

  async function dropped(transfer) {
    // Entries must be taken while the drop event runs; reading them can wait.
    const entries = Array.from(transfer.items || [])
      .filter((i) => i.kind === 'file')
      .map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
    if (!entries.length || entries.some((e) => !e)) {
      return Array.from(transfer.files || []).map((file) => ({ file: file, path: '' }));
    }
    const out = [];
    for (const entry of entries) {
      try { await walk(entry, out); } catch (e) { /* unreadable entry: skip it */ }
    }
    return out;
  }

  const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types || []).indexOf('Files') >= 0;
  let depth = 0;
  const showOverlay = (on) => {
    if (overlay) overlay.hidden = !on;
    if (dropzone) dropzone.classList.toggle('over', on);
  };
  window.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth++;
    showOverlay(true);
  });
  window.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) showOverlay(false);
  });
  window.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    showOverlay(false);
    dropped(event.dataTransfer).then(add);
  });

  window.addEventListener('beforeunload', (event) => {
    if (items.some((i) => BUSY.indexOf(i.state) >= 0)) event.preventDefault();
  });
})();
