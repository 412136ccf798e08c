// Small helpers to build the DOM without a framework.

import {isWebUrl, quoteValue} from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

// Uncaught errors are kept in window.__errors, where the browser tests
// (and anyone in the console) can read them.
window.__errors = window.__errors || [];
window.addEventListener('error', (event) => window.__errors.push(String(event.message)));
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason;
  if (reason && reason.name === 'AbortError') return;
  window.__errors.push(String(reason && reason.message ? reason.message : reason));
});

// el('div', {class: 'x', onclick: f}, 'text', child, [more]) builds an element.
// Attributes: `class`, `text`, `style` (object or string), `dataset` (object),
// `on<event>` (listener); `false`/`null` attributes are left out.
export function el(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// The same for SVG elements.
export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string' && !(node instanceof SVGElement)) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

// Appends strings (as text), nodes and nested arrays; skips null and false.
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// A box that says what went wrong, e.g. an API error.
export function errorBox(error, prefix = '') {
  const message = error && error.message ? error.message : String(error);
  return el('div', {class: 'notice error', role: 'alert'}, prefix ? el('strong', {}, prefix + ': ') : null, message);
}

// A box for an empty result, saying what is empty and why it might be.
export function emptyBox(message) {
  return el('div', {class: 'notice empty'}, message);
}

export function loadingBox(message = 'Loading…') {
  return el('div', {class: 'notice loading', role: 'status'}, el('span', {class: 'spinner'}), message);
}

// A data table: `headers` are texts, or [text, class] to give a column's
// header a class (e.g. 'num'); `rows` are <tr> elements or arrays of cells
// (strings or nodes). `attrs.class` adds to the class `data`.
export function dataTable(headers, rows, attrs = {}) {
  return el('table', {...attrs, class: attrs.class ? `data ${attrs.class}` : 'data'},
    el('thead', {}, el('tr', {}, headers.map((header) =>
      (Array.isArray(header) ? el('th', {class: header[1]}, header[0]) : el('th', {}, header))))),
    el('tbody', {}, rows.map((row) => (row instanceof Node ? row : el('tr', {}, row.map((cell) => el('td', {}, cell)))))));
}

// A table of [name, value] rows with the names as row headers; a row's
// third item, when there is one, becomes the row's data-key.
export function keyValueTable(rows, attrs = {}) {
  return el('table', {...attrs, class: attrs.class ? `data ${attrs.class}` : 'data'},
    el('tbody', {}, rows.map(([name, value, key]) => el('tr', {dataset: key === undefined ? null : {key}},
      el('th', {scope: 'row'}, name), el('td', {}, value)))));
}

// One chip: name="value", or with another operator (name=~"regex").
export function chip(name, operator, value) {
  return el('span', {class: 'label'}, el('b', {}, name), operator, quoteValue(value));
}

// Label pairs as chips, sorted by name, without the names in `skip`.
export function labelChips(labels, skip = []) {
  const names = Object.keys(labels || {}).filter((name) => !skip.includes(name)).sort();
  return el('span', {class: 'labels'}, names.map((name) => chip(name, '=', labels[name])));
}

// Server text that may be a URL (runbook and dashboard annotations): a web
// link opens in a new tab, anything else (javascript: included) stays text.
export function textOrLink(value) {
  return isWebUrl(value) ? el('a', {href: value, target: '_blank', rel: 'noopener'}, value) : value;
}

// A coloured badge for a health or state word (up, down, firing, …).
export function badge(word, kind = word) {
  return el('span', {class: `badge ${String(kind).toLowerCase()}`}, word);
}

// A page heading with optional controls on the right.
export function heading(title, ...controls) {
  return el('div', {class: 'page-head'}, el('h1', {}, title), el('div', {class: 'controls'}, controls));
}

// A collapsible section (details.section) titled `summary`; `attrs.class`
// adds to the class `section`.
export function section(summary, attrs = {}, ...content) {
  return el('details', {...attrs, class: attrs.class ? `section ${attrs.class}` : 'section'}, el('summary', {}, summary), content);
}

// A search box for filtering lists; `oninput(text)` runs as the user types.
export function searchBox(placeholder, value, oninput) {
  return el('input', {type: 'search', class: 'search', placeholder, value: value || '', 'aria-label': placeholder,
    oninput: (event) => oninput(event.target.value)});
}

// Keeps a page's filters in its URL: `values` maps parameter names to
// values; empty ones (and false) are left out, true is written as 1.
export function saveFilters(context, values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value === true ? '1' : String(value));
  context.setParams(params);
}

// Shows the items of grouped lists that pass `visible(item)` and hides the
// groups left empty. `groups` are {node, items: [{row, …}]}; `noMatch` is
// shown when there are groups but nothing passes. Returns how many items
// are shown.
export function filterGroups(groups, visible, noMatch) {
  let shown = 0;
  for (const group of groups) {
    let inGroup = 0;
    for (const item of group.items) {
      item.row.hidden = !visible(item);
      if (!item.row.hidden) inGroup += 1;
    }
    group.node.hidden = inGroup === 0;
    shown += inGroup;
  }
  if (noMatch) noMatch.hidden = shown > 0 || groups.length === 0;
  return shown;
}

// A "Refresh" button that runs `onclick` again (it is disabled meanwhile).
export function refreshButton(onclick) {
  const button = el('button', {type: 'button', title: 'Load again', onclick: async () => {
    button.disabled = true;
    try {
      await onclick();
    } finally {
      button.disabled = false;
    }
  }}, 'Refresh');
  return button;
}
