// Small helpers to build the DOM without a framework.

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
  return el('div', {class: 'notice loading'}, el('span', {class: 'spinner'}), message);
}

// A table from header cells and rows of cells (strings or nodes).
export function table(headers, rows, attrs = {}) {
  return el('table', {class: 'data', ...attrs},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell) => el('td', {}, cell))))));
}

// Label pairs as chips: name="value".
export function labelChips(labels, skip = []) {
  const names = Object.keys(labels || {}).filter((name) => !skip.includes(name)).sort();
  return el('span', {class: 'labels'}, names.map((name) =>
    el('span', {class: 'label'}, el('b', {}, name), '="', labels[name], '"')));
}

// A coloured badge for a health or state word (up, down, firing, …).
export function badge(word, kind = word) {
  return el('span', {class: `badge ${String(kind).toLowerCase()}`}, word);
}

// A page heading with optional controls on the right.
export function heading(title, ...controls) {
  return el('div', {class: 'page-head'}, el('h1', {}, title), el('div', {class: 'controls'}, controls));
}

// A collapsible section.
export function section(title, open, ...content) {
  return el('details', {class: 'section', open}, el('summary', {}, title), content);
}

// A search box for filtering lists; `oninput(text)` runs as the user types.
export function searchBox(placeholder, value, oninput) {
  return el('input', {type: 'search', class: 'search', placeholder, value: value || '', 'aria-label': placeholder,
    oninput: (event) => oninput(event.target.value)});
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
