/* Lumina Host: runs in <head> before the first paint (so a chosen theme never flashes),
   then wires the controls every page has: theme toggle, small-screen menu, service
   worker registration, and clearing offline copies on sign-out. */
(function () {
  'use strict';
  var root = document.documentElement;
  var KEY = 'lumina.theme';
  root.classList.remove('no-js');
  root.classList.add('js');

  function stored() {
    try { return localStorage.getItem(KEY) || 'system'; } catch (e) { return 'system'; }
  }
  function apply(theme) {
    if (theme === 'light' || theme === 'dark') root.setAttribute('data-theme', theme);
    else root.removeAttribute('data-theme');
  }
  apply(stored());

  function label(button, theme) {
    var text = button.getAttribute('data-' + theme) || theme;
    button.setAttribute('aria-label', text);
    var hidden = button.querySelector('.visually-hidden');
    if (hidden) hidden.textContent = text;
  }

  document.addEventListener('DOMContentLoaded', function () {
    var toggle = document.getElementById('theme-toggle');
    if (toggle) {
      label(toggle, stored());
      toggle.addEventListener('click', function () {
        var order = ['system', 'light', 'dark'];
        var next = order[(order.indexOf(stored()) + 1) % order.length];
        try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
        apply(next);
        label(toggle, next);
      });
    }

    var menu = document.querySelector('.menu-toggle');
    var bar = document.getElementById('topbar');
    if (menu && bar) {
      menu.addEventListener('click', function () {
        var open = bar.classList.toggle('open');
        menu.setAttribute('aria-expanded', open ? 'true' : 'false');
      });
    }

    // Offline copies of pages and thumbnails belong to the person signed in: they go
    // on sign-out, and whenever a page is shown to nobody signed in.
    function forget() {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: 'logout' });
      }
    }
    document.querySelectorAll('form.logout').forEach(function (form) {
      form.addEventListener('submit', forget);
    });
    if (!root.hasAttribute('data-user')) forget();
  });

  var sw = root.getAttribute('data-sw');
  if (sw && 'serviceWorker' in navigator) {
    window.addEventListener('load', function () {
      navigator.serviceWorker.register(sw, { scope: '/' }).catch(function () { /* optional */ });
    });
  }
})();
