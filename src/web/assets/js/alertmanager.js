// The Alertmanager page's shell: navigation, the colour theme and routing
// by the URL's hash (#/alerts, #/silences, #/silences/new, …), since
// `sonde alertmanager` serves this one page at `/`. Each view module exports
// `render(root, context)`; `context.signal` is aborted when the user leaves
// the view, so that its requests stop.

import {el, clear, errorBox} from './dom.js';
import {themeButton} from './theme.js';

const TABS = [
  {hash: '#/alerts', title: 'Alerts'},
  {hash: '#/silences', title: 'Silences'},
  {hash: '#/silences/new', title: 'New silence'},
  {hash: '#/receivers', title: 'Receivers'},
  {hash: '#/status', title: 'Status'},
];

// The view for a hash path's segments, the tab it belongs to and what the
// view needs from the path.
function route(segments) {
  const [first = 'alerts', second, third] = segments;
  if (first === 'silences' && second === 'new') {
    return {module: './alertmanager-silence-form.js', tab: '#/silences/new', title: 'New silence'};
  }
  if (first === 'silences' && second && (third === 'edit' || third === 'recreate')) {
    const title = third === 'edit' ? 'Edit silence' : 'Recreate silence';
    return {module: './alertmanager-silence-form.js', tab: '#/silences', title, silenceId: second, mode: third};
  }
  if (first === 'silences') {
    return {module: './alertmanager-silences.js', tab: '#/silences', title: 'Silences', silenceId: second};
  }
  if (first === 'receivers') return {module: './alertmanager-status.js', tab: '#/receivers', title: 'Receivers', view: 'receivers'};
  if (first === 'status') return {module: './alertmanager-status.js', tab: '#/status', title: 'Status', view: 'status'};
  return {module: './alertmanager-alerts.js', tab: '#/alerts', title: 'Alerts'};
}

// `#/silences/new?filter=…` as path segments and query parameters.
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const queryAt = hash.indexOf('?');
  const path = queryAt < 0 ? hash : hash.slice(0, queryAt);
  const query = queryAt < 0 ? '' : hash.slice(queryAt + 1);
  const segments = path.split('/').filter(Boolean).map(decodeSegment);
  return {path, segments, params: new URLSearchParams(query)};
}

// A hand-typed `%` that starts no escape stays as it is.
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function renderNav(current) {
  const nav = clear(document.getElementById('nav'));
  for (const tab of TABS) {
    const active = tab.hash === current.tab;
    nav.append(el('a', {href: tab.hash, class: active ? 'active' : null, 'aria-current': active ? 'page' : null}, tab.title));
  }
}

let leave = null;

async function render() {
  if (leave) leave.abort();
  const own = new AbortController();
  leave = own;
  const {path, segments, params} = parseHash();
  const view = route(segments);
  document.title = `${view.title} · Sonde Alertmanager`;
  renderNav(view);
  const root = clear(document.getElementById('page'));
  root.dataset.page = view.tab.slice(2).replace('/', '-');
  const context = {
    signal: own.signal,
    params,
    view: view.view,
    mode: view.mode,
    silenceId: view.silenceId,
    title: view.title,
    // Replaces the hash's query string without re-rendering the view; a
    // view the user has left (a late answer) no longer touches the URL.
    setParams(next) {
      if (own.signal.aborted) return;
      const search = next.toString();
      history.replaceState(null, '', `#/${path}${search ? `?${search}` : ''}`);
    },
  };
  try {
    const module = await import(view.module);
    await module.render(root, context);
  } catch (error) {
    if (error.name !== 'AbortError') root.append(errorBox(error, 'This page failed'));
  }
}

window.addEventListener('hashchange', render);

themeButton(document.getElementById('theme'));

if (!location.hash) history.replaceState(null, '', '#/alerts');
render();
