// Completion for the PromQL expression input: metric names (with their
// metadata), functions, aggregations and keywords, label names inside
// `{…}` and grouping clauses, and label values after `label="`. Answers
// from the API are cached per page; lookups never block typing.

import {el} from './dom.js';
import {api} from './api.js';

const FUNCTIONS = `abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes
  clamp clamp_max clamp_min cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month deg
  delta deriv double_exponential_smoothing exp floor histogram_avg histogram_count histogram_fraction
  histogram_quantile histogram_stddev histogram_stdvar histogram_sum holt_winters hour idelta increase info
  irate label_join label_replace last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute
  month pi predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin sinh sort
  sort_by_label sort_by_label_desc sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh
  time timestamp vector year`.split(/\s+/);
const AGGREGATIONS = 'avg bottomk count count_values group limit_ratio limitk max min quantile stddev stdvar sum topk'.split(' ');
const KEYWORDS = 'and bool by group_left group_right ignoring offset on or unless without atan2'.split(' ');
// Keywords that take a parenthesised list of label names.
const GROUPING = ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'];
const MAX_SHOWN = 80;

// The page's cache of completion data, shared by its panels.
export function completionSource(signal) {
  const cache = new Map();
  const cached = (key, load) => {
    if (!cache.has(key)) {
      cache.set(key, load().catch((error) => {
        cache.delete(key); // try again next time
        if (error.name !== 'AbortError') return [];
        throw error;
      }));
    }
    return cache.get(key);
  };
  const values = (path, params) => api(path, params, {signal}).then(({data}) => data || []);
  return {
    metricNames: () => cached('names', () => values('/api/v1/label/__name__/values')),
    metadata: () => cached('metadata', () => api('/api/v1/metadata', {}, {signal}).then(({data}) => data || {})),
    labelNames: (metric) => cached(`labels\0${metric || ''}`, () => values('/api/v1/labels', {'match[]': metric || undefined})),
    labelValues: (label, metric) => cached(`values\0${label}\0${metric || ''}`,
      () => values(`/api/v1/label/${encodeURIComponent(label)}/values`, {'match[]': metric || undefined})),
  };
}

// What can be completed at the caret: {kind: 'name'|'label'|'value',
// prefix, start, metric, label, quote} or null.
export function completionContext(text, caret) {
  const before = text.slice(0, caret);
  let quote = null;
  let brace = -1;
  let bracket = false;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '#') {
      const newline = before.indexOf('\n', i);
      if (newline < 0) return null; // in a comment
      i = newline;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') brace = i;
    else if (c === '}') brace = -1;
    else if (c === '[') bracket = true;
    else if (c === ']') bracket = false;
  }
  if (bracket) return null;
  const metric = brace >= 0 ? metricBefore(before.slice(0, brace)) || nameMatcher(before.slice(brace)) : null;
  if (quote) {
    if (brace < 0) return null;
    const match = /([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*["'`]((?:[^"'`\\]|\\.)*)$/.exec(before.slice(brace + 1));
    if (!match) return null;
    return {kind: 'value', label: match[1], prefix: match[2], start: caret - match[2].length, metric, quote};
  }
  if (brace >= 0) {
    const match = /(?:^|[{,])\s*([A-Za-z_]\w*)?$/.exec(before.slice(brace));
    if (!match) return null;
    const prefix = match[1] || '';
    return {kind: 'label', prefix, start: caret - prefix.length, metric};
  }
  const grouping = new RegExp(`\\b(?:${GROUPING.join('|')})\\s*\\(([^()]*)$`).exec(before);
  if (grouping) {
    const prefix = /([A-Za-z_]\w*)?$/.exec(grouping[1])[1] || '';
    return {kind: 'label', prefix, start: caret - prefix.length, metric: null};
  }
  const word = /[A-Za-z_:][\w:]*$/.exec(before);
  const prefix = word ? word[0] : '';
  // A word glued to a number is a duration or exponent (5m, 1e3), not a name.
  if (prefix && /[\w.]/.test(before.charAt(before.length - prefix.length - 1))) return null;
  return {kind: 'name', prefix, start: caret - prefix.length, metric: null};
}

// The metric a selector names in its braces: {__name__="x", …}.
function nameMatcher(text) {
  const match = /__name__\s*=\s*"([^"\\]+)"/.exec(text);
  return match ? match[1] : null;
}

function metricBefore(text) {
  const match = /([A-Za-z_:][\w:]*)\s*$/.exec(text);
  return match && !GROUPING.includes(match[1]) ? match[1] : null;
}

// Candidates starting with the prefix first, then those containing it.
function rank(items, prefix) {
  const lower = prefix.toLowerCase();
  const starts = [];
  const contains = [];
  for (const item of items) {
    const name = item.value.toLowerCase();
    if (name.startsWith(lower)) starts.push(item);
    else if (lower && name.includes(lower)) contains.push(item);
  }
  return starts.concat(contains);
}

// Metadata of a metric, or of the histogram/summary family it belongs to.
function describe(metadata, name) {
  const entry = metadata[name] || metadata[name.replace(/_(bucket|sum|count|total)$/, '')];
  const first = entry && entry[0];
  return first ? {type: first.type, help: first.help} : {};
}

// Attaches completion to `textarea` (inside a positioned `field`). The
// panel passes its keydown events to `handleKey`, which answers whether it
// used the key (so Enter runs the query only when the list is closed).
export function attachAutocomplete(textarea, field, source) {
  const list = el('ul', {class: 'autocomplete', role: 'listbox', 'aria-label': 'Suggestions', hidden: true});
  field.append(list);
  list.id = `${fieldId()}-suggestions`;
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', list.id);
  let items = [];
  let selected = 0;
  let context = null;
  let generation = 0;

  const close = () => {
    generation += 1;
    list.hidden = true;
    items = [];
    textarea.removeAttribute('aria-activedescendant');
  };

  async function candidates(ctx) {
    if (ctx.kind === 'value') {
      const values = await source.labelValues(ctx.label, ctx.metric);
      return values.map((value) => ({value, kind: 'value'}));
    }
    if (ctx.kind === 'label') {
      const names = await source.labelNames(ctx.metric);
      return names.filter((name) => name !== '__name__').map((value) => ({value, kind: 'label'}));
    }
    const [names, metadata] = await Promise.all([source.metricNames(), source.metadata()]);
    return [
      ...names.map((value) => ({value, kind: 'metric', ...describe(metadata, value)})),
      ...AGGREGATIONS.map((value) => ({value, kind: 'aggregation'})),
      ...FUNCTIONS.map((value) => ({value, kind: 'function'})),
      ...KEYWORDS.map((value) => ({value, kind: 'keyword'})),
    ];
  }

  async function update(explicit = false) {
    const ctx = completionContext(textarea.value, textarea.selectionStart);
    const mine = ++generation;
    if (!ctx || textarea.selectionStart !== textarea.selectionEnd || (ctx.kind === 'name' && !ctx.prefix && !explicit)) {
      close();
      return;
    }
    let found;
    try {
      found = rank(await candidates(ctx), ctx.prefix);
    } catch {
      return; // the page is gone
    }
    if (mine !== generation) return; // the user typed on meanwhile
    // Nothing to offer when the only candidate is what is typed already.
    if (!found.length || (found.length === 1 && found[0].value === ctx.prefix)) {
      close();
      return;
    }
    context = ctx;
    items = found.slice(0, MAX_SHOWN);
    selected = 0;
    show();
  }

  function show() {
    list.replaceChildren(...items.map((item, i) => el('li', {
      id: `${fieldId()}-option-${i}`,
      class: `autocomplete-item${i === selected ? ' selected' : ''}`,
      role: 'option',
      'aria-selected': i === selected ? 'true' : 'false',
      dataset: {value: item.value, kind: item.kind},
      title: item.help || null,
      onmousedown: (event) => {
        event.preventDefault(); // keep the focus in the textarea
        selected = i;
        accept();
      },
    }, el('span', {class: 'ac-name'}, item.value), el('span', {class: 'ac-kind'}, item.type || item.kind),
    item.help ? el('span', {class: 'ac-help'}, item.help) : null)));
    list.hidden = false;
    const caret = caretOffset(textarea);
    list.style.left = `${Math.min(caret.left, Math.max(0, field.clientWidth - 320))}px`;
    list.style.top = `${caret.top}px`;
    textarea.setAttribute('aria-activedescendant', `${fieldId()}-option-${selected}`);
  }

  function fieldId() {
    if (!field.id) field.id = `expr-${Math.random().toString(36).slice(2, 8)}`;
    return field.id;
  }

  function move(by) {
    selected = (selected + by + items.length) % items.length;
    for (const [i, node] of [...list.children].entries()) {
      node.classList.toggle('selected', i === selected);
      node.setAttribute('aria-selected', i === selected ? 'true' : 'false');
    }
    list.children[selected].scrollIntoView({block: 'nearest'});
    textarea.setAttribute('aria-activedescendant', `${fieldId()}-option-${selected}`);
  }

  function accept() {
    const item = items[selected];
    const ctx = context;
    close();
    if (!item || !ctx) return;
    const caret = textarea.selectionStart;
    const after = textarea.value.slice(caret);
    let text = item.value;
    let back = 0; // how far to move the caret back from the end of the insertion
    let follow = false; // whether to offer completions again right away
    if (ctx.kind === 'value') {
      // Backtick strings are raw in PromQL: nothing to escape (nor can be).
      if (ctx.quote !== '`') text = item.value.replace(/\\/g, '\\\\').replace(new RegExp(ctx.quote, 'g'), `\\${ctx.quote}`);
      if (!after.startsWith(ctx.quote)) text += ctx.quote;
      else back = -1; // step over the existing closing quote
    } else if (ctx.kind === 'label' && !/^\s*[=!]/.test(after) && isInBraces(ctx)) {
      text += '=""';
      back = 1;
      follow = true;
    } else if ((item.kind === 'function' || item.kind === 'aggregation') && !after.startsWith('(')) {
      text += '()';
      back = 1;
    } else if (GROUPING.includes(item.value) && !/^\s*\(/.test(after)) {
      text += ' ()';
      back = 1;
      follow = true;
    } else if (item.kind === 'keyword') {
      text += ' ';
    }
    textarea.setRangeText(text, ctx.start, caret, 'end');
    const position = textarea.selectionEnd - back;
    textarea.setSelectionRange(position, position);
    textarea.dispatchEvent(new Event('input', {bubbles: true}));
    if (follow) update();
    else close();
  }

  // Label names are followed by `=""` only inside a selector's braces.
  function isInBraces(ctx) {
    const before = textarea.value.slice(0, ctx.start);
    return before.lastIndexOf('{') > before.lastIndexOf('}');
  }

  textarea.addEventListener('input', () => update());
  textarea.addEventListener('blur', close);
  textarea.addEventListener('click', close);

  return {
    close,
    handleKey(event) {
      if (event.key === ' ' && event.ctrlKey) {
        event.preventDefault();
        update(true);
        return true;
      }
      if (list.hidden) return false;
      const keys = {
        ArrowDown: () => move(1),
        ArrowUp: () => move(-1),
        Tab: accept,
        Enter: accept,
        Escape: close,
      };
      const action = keys[event.key];
      if (!action || event.shiftKey || event.altKey || event.metaKey) {
        if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) close();
        return false;
      }
      event.preventDefault();
      action();
      return true;
    },
  };
}

// Where the caret is inside the textarea, in pixels from its parent's
// padding box, found by laying out the same text in an invisible copy.
function caretOffset(textarea) {
  const style = getComputedStyle(textarea);
  const mirror = el('div', {class: 'caret-mirror', 'aria-hidden': 'true'});
  for (const property of ['font-family', 'font-size', 'font-weight', 'line-height', 'letter-spacing', 'tab-size',
    'padding-top', 'padding-right', 'padding-bottom', 'padding-left', 'border-top-width', 'border-right-width',
    'border-bottom-width', 'border-left-width', 'box-sizing', 'text-transform', 'word-spacing']) {
    mirror.style.setProperty(property, style.getPropertyValue(property));
  }
  Object.assign(mirror.style, {position: 'absolute', visibility: 'hidden', whiteSpace: 'pre-wrap', overflowWrap: 'break-word',
    borderStyle: 'solid', width: `${textarea.offsetWidth}px`, left: `${textarea.offsetLeft}px`, top: `${textarea.offsetTop}px`});
  const marker = el('span', {}, '\u200b');
  mirror.append(textarea.value.slice(0, textarea.selectionStart), marker);
  textarea.parentNode.append(mirror);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
  const position = {
    left: textarea.offsetLeft + marker.offsetLeft - textarea.scrollLeft,
    top: textarea.offsetTop + marker.offsetTop - textarea.scrollTop + lineHeight + 2,
  };
  mirror.remove();
  return position;
}
