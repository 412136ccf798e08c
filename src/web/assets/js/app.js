// The page shell: navigation, the colour theme and client-side routing.
// Each page module exports `render(root, context)`; `context.signal` is
// aborted when the user leaves the page, so its requests and timers stop.

import {el, clear, errorBox} from './dom.js';
import {themeButton} from './theme.js';

const PAGES = [
  {path: '/query', title: 'Query', module: './query.js'},
  {path: '/alerts', title: 'Alerts', module: './alerts.js'},
  {path: '/rules', title: 'Rules', module: './rules.js'},
  {path: '/targets', title: 'Targets', module: './targets.js'},
  {path: '/service-discovery', title: 'Service discovery', module: './discovery.js'},
  {path: '/cluster', title: 'Cluster', module: './cluster.js'},
  {path: '/tsdb-status', title: 'TSDB', module: './status.js', view: 'tsdb', group: 'Status'},
  {path: '/status', title: 'Runtime & build', module: './status.js', view: 'runtime', group: 'Status'},
  {path: '/config', title: 'Configuration', module: './status.js', view: 'config', group: 'Status'},
  {path: '/flags', title: 'Flags', module: './status.js', view: 'flags', group: 'Status'},
];
// Prometheus 2's query page lived at /graph; its links still work.
const ALIASES = {'/graph': '/query', '/': '/query'};

let leave = null;
let shown = ''; // the path and query string of the page rendered

function pageFor(path) {
  const wanted = ALIASES[path] || path;
  return PAGES.find((page) => page.path === wanted) || PAGES[0];
}

function renderNav() {
  const nav = clear(document.getElementById('nav'));
  const current = pageFor(location.pathname);
  const link = (page) => el('a', {href: page.path, class: page === current ? 'active' : null, 'aria-current': page === current ? 'page' : null}, page.title);
  for (const page of PAGES.filter((p) => !p.group)) nav.append(link(page));
  const status = PAGES.filter((p) => p.group === 'Status');
  nav.append(el('details', {class: `menu${status.includes(current) ? ' active' : ''}`},
    el('summary', {}, 'Status'),
    el('div', {class: 'menu-items'}, status.map(link))));
}

async function render() {
  if (leave) leave.abort();
  const own = new AbortController();
  leave = own;
  shown = location.pathname + location.search;
  const page = pageFor(location.pathname);
  document.title = `${page.title} · Sonde`;
  renderNav();
  const root = clear(document.getElementById('page'));
  root.dataset.page = page.path.slice(1);
  const context = {
    signal: own.signal,
    params: new URLSearchParams(location.search),
    view: page.view,
    // Replaces the URL's query string without reloading (for state in
    // URLs); a page the user has left (a late answer) no longer touches it.
    setParams(params) {
      if (own.signal.aborted) return;
      const search = params.toString();
      history.replaceState(null, '', search ? `${location.pathname}?${search}` : location.pathname);
      shown = location.pathname + location.search;
    },
  };
  try {
    const module = await import(page.module);
    await module.render(root, context);
  } catch (error) {
    if (error.name !== 'AbortError') root.append(errorBox(error, 'This page failed'));
  }
}

function navigate(url) {
  history.pushState(null, '', url);
  render();
}

// Same-origin links to pages are followed without a reload.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a[href]');
  if (!link || link.target || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !(pageFor(url.pathname).path === (ALIASES[url.pathname] || url.pathname))) return;
  // In-page anchors (#…) are left to the browser.
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  event.preventDefault();
  closeMenus();
  navigate(url.pathname + url.search);
});
// Back and forward; a move between in-page anchors keeps the page.
window.addEventListener('popstate', () => {
  if (location.pathname + location.search !== shown) render();
});

// The Status menu closes on a click outside it and on Escape.
function closeMenus(except = null) {
  for (const menu of document.querySelectorAll('details.menu[open]')) if (menu !== except) menu.open = false;
}
document.addEventListener('click', (event) => closeMenus(event.target.closest('details.menu')));
document.addEventListener('keydown', (event) => {
  const open = document.querySelector('details.menu[open]');
  if (event.key !== 'Escape' || !open) return;
  closeMenus();
  open.querySelector('summary').focus();
});

themeButton(document.getElementById('theme'));

render();
