// One query panel: the expression input (growing, with completion and
// syntax-error marking), Table and Graph tabs with their time controls, and
// the result, with progress and cancellation for slow queries.

import {el, append, errorBox, emptyBox, dataTable} from './dom.js';
import {api, searchParams} from './api.js';
import {seriesName, formatValue, formatTime, formatDuration, parseDuration} from './format.js';
import {attachAutocomplete} from './autocomplete.js';
import {renderGraph} from './graph.js';

export const RANGES = ['1m', '5m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '2d', '1w', '2w', '4w'];
const MAX_SERIES = 200; // drawn in a graph; more would make the browser crawl
const MAX_ROWS = 2000; // shown in a table
const POST_ABOVE = 2000; // characters of query string beyond which to POST
const PROGRESS_AFTER = 150; // ms before a spinner shows, so fast queries do not flicker

// Prometheus' automatic resolution: about 250 points per range, at least 1s.
export function autoStep(rangeSeconds) {
  return Math.max(Math.floor(rangeSeconds / 250), 1);
}

// A time input's value in ms: blank is now (null); Prometheus' URLs use
// `YYYY-MM-DD HH:mm:ss` in UTC; Unix seconds and RFC 3339 work too. NaN when
// it is none of these.
export function parseTime(text) {
  const value = String(text || '').trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return parseFloat(value) * 1000;
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::(\d\d(?:\.\d+)?))?\s*(?:UTC|Z)?$/i.exec(value);
  if (m) return Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) + parseFloat(m[6] || '0') * 1000;
  return Date.parse(value);
}

const timeText = (ms) => formatTime(ms).replace(' UTC', '');

// The next preset range below or above the given one.
function nextRange(current, direction) {
  const seconds = parseDuration(current) || 3600;
  const presets = RANGES.map((range) => [range, parseDuration(range)]);
  const found = direction < 0
    ? presets.filter(([, s]) => s < seconds).pop()
    : presets.find(([, s]) => s > seconds);
  return (found || presets[direction < 0 ? 0 : presets.length - 1])[0];
}

// Where a parse error points, as {line, column, offset, text} (1-based,
// in characters), or null. Prometheus says `L:C: parse error:` (the column
// in bytes); Sonde's query API names the offending character instead, so
// that is looked up in the expression.
export function errorPosition(message, expr) {
  const lines = expr.split('\n');
  const located = /(\d+):(\d+)(?:-\d+:\d+)?: parse error/.exec(message);
  let offset;
  if (located) {
    const line = lines[+located[1] - 1];
    if (line === undefined) return null;
    const before = lines.slice(0, +located[1] - 1).reduce((sum, l) => sum + l.length + 1, 0);
    offset = before + charsInBytes(line, +located[2] - 1);
  } else {
    offset = offendingOffset(message, expr);
    if (offset === null) return null;
  }
  const line = expr.slice(0, offset).split('\n').length;
  const lineStart = expr.lastIndexOf('\n', offset - 1) + 1;
  return {line, column: offset - lineStart + 1, offset, text: lines[line - 1]};
}

function charsInBytes(text, bytes) {
  const encoder = new TextEncoder();
  let chars = 0;
  for (let used = 0; chars < text.length && used < bytes; chars++) used += encoder.encode(text[chars]).length;
  return chars;
}

// Each character of the expression with where it stands (string, braces,
// brackets or top) and whether it closes something never opened.
function scanExpression(expr) {
  const chars = [];
  let quote = null;
  let quoteStart = -1;
  const depth = {'{': 0, '[': 0, '(': 0};
  const closes = {'}': '{', ']': '[', ')': '('};
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    const where = quote ? 'string' : depth['['] ? 'brackets' : depth['{'] ? 'braces' : 'top';
    let stray = false;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\') chars.push({ch, where}, {ch: expr[++i], where});
      if (ch === '\\') continue;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      [quote, quoteStart] = [ch, i];
    } else if (ch in depth) {
      depth[ch] += 1;
    } else if (ch in closes) {
      stray = depth[closes[ch]] === 0;
      depth[closes[ch]] = Math.max(0, depth[closes[ch]] - 1);
    }
    chars.push({ch, where, stray});
  }
  return {chars, openQuote: quote ? quoteStart : -1};
}

function offendingOffset(message, expr) {
  const {chars, openQuote} = scanExpression(expr);
  const find = (test) => {
    const i = chars.findIndex(test);
    return i < 0 ? null : i;
  };
  let m;
  if (/end of input|can not be at the end|unclosed left|not terminated/.test(message)) return expr.trimEnd().length;
  if (/unterminated quoted string/.test(message)) return openQuote < 0 ? null : openQuote;
  if ((m = /unexpected character inside (braces|brackets): '(.+)'$/.exec(message))) return find((c) => c.where === m[1] && c.ch === m[2]);
  if ((m = /unexpected left brace '(.)' inside (braces|brackets)/.exec(message))) return find((c) => c.where === m[2] && c.ch === m[1]);
  if ((m = /unexpected right (?:parenthesis|brace|bracket) '(.)'/.exec(message))) return find((c) => c.stray && c.ch === m[1]);
  if ((m = /unexpected character after '(.)'(?: inside braces)?: '(.)'/.exec(message))) {
    const at = find((c, i) => c.where !== 'string' && c.ch === m[1] && expr[i + 1] === m[2]);
    return at === null ? null : at + 1;
  }
  if ((m = /unexpected character: '(.+)'$/.exec(message))) return find((c) => c.where !== 'string' && c.ch === m[1]);
  if ((m = /bad number or duration syntax: (.+)$/.exec(message))) return find((c, i) => c.where !== 'string' && expr.startsWith(m[1], i));
  if ((m = /unknown escape sequence '(.)'/.exec(message))) return find((c, i) => c.where === 'string' && expr.startsWith(`\\${m[1]}`, i));
  return null;
}

// The panel for `state` ({expr, tab, range, end, moment, step, stacked});
// it updates `state` in place and calls onChange() for the URL.
export function createPanel(state, {completions, signal, onChange, onRemove}) {
  const textarea = el('textarea', {class: 'expr', rows: 1, spellcheck: 'false', autocomplete: 'off', 'aria-label': 'PromQL expression',
    placeholder: 'Expression (Enter runs it, Shift+Enter adds a line, Ctrl+Space suggests)'});
  textarea.value = state.expr;
  const backdrop = el('div', {class: 'expr-backdrop', 'aria-hidden': 'true'});
  const field = el('div', {class: 'expr-field'}, backdrop, textarea);
  const completer = attachAutocomplete(textarea, field, completions);
  const syntaxSlot = el('div', {class: 'syntax-slot'});
  const messages = el('div', {class: 'messages'});
  const progressSlot = el('div', {class: 'progress-slot'});
  const meta = el('div', {class: 'result-meta'});
  const result = el('div', {class: 'result'});
  let current = null; // the running query's AbortController
  let graph = null; // the drawn graph, to restack without refetching
  let resultScope = new AbortController(); // lives as long as the shown result

  const grow = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${textarea.scrollHeight + textarea.offsetHeight - textarea.clientHeight}px`;
  };
  const clearMark = () => {
    backdrop.replaceChildren();
    field.classList.remove('invalid');
    syntaxSlot.replaceChildren();
  };
  textarea.addEventListener('input', () => {
    state.expr = textarea.value;
    grow();
    clearMark();
  });
  textarea.addEventListener('scroll', () => { backdrop.scrollTop = textarea.scrollTop; });
  textarea.addEventListener('keydown', (event) => {
    if (completer.handleKey(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      run();
    }
  });

  // Text and number inputs commit on change or Enter, once per new value.
  const input = (cls, value, placeholder, apply, attrs = {}) => {
    let applied = value;
    const node = el('input', {class: cls, type: 'text', value, placeholder, spellcheck: 'false', ...attrs});
    const commit = () => {
      if (node.value === applied) return;
      applied = node.value;
      apply(node.value.trim());
      run();
    };
    node.addEventListener('change', commit);
    node.addEventListener('keydown', (event) => { if (event.key === 'Enter') commit(); });
    node.set = (text) => { node.value = text; commit(); };
    return node;
  };

  const moment = input('moment-input', state.moment, 'now', (v) => { state.moment = v; }, {'aria-label': 'Evaluation time (UTC)', size: 19});
  const range = input('range-input', state.range, '1h', (v) => { state.range = v || '1h'; updateStepHint(); }, {'aria-label': 'Range', size: 5});
  const end = input('end-input', state.end, 'now', (v) => { state.end = v; }, {'aria-label': 'End time (UTC)', size: 19});
  const step = input('step-input', state.step, '', (v) => { state.step = v; }, {'aria-label': 'Resolution (seconds or a duration)', size: 9});
  const stacked = el('input', {class: 'stacked-toggle', type: 'checkbox', checked: state.stacked, onchange: () => {
    state.stacked = stacked.checked;
    onChange();
    if (graph) graph.setStacked(state.stacked);
  }});
  const updateStepHint = () => {
    const seconds = parseDuration(state.range);
    step.placeholder = seconds ? `auto (${formatDuration(autoStep(seconds))})` : 'auto';
  };
  updateStepHint();
  // Moves the end time by half the range, blank again once it reaches now.
  const shiftEnd = (direction) => {
    const base = parseTime(state.end);
    const half = (parseDuration(state.range) || 3600) * 500;
    const moved = (base === null || Number.isNaN(base) ? Date.now() : base) + direction * half;
    end.set(moved >= Date.now() ? '' : timeText(moved));
  };

  const tableControls = el('div', {class: 'tab-controls table-controls'},
    el('label', {}, 'Evaluation time ', moment, el('span', {class: 'muted'}, ' UTC')),
    el('button', {type: 'button', class: 'ghost moment-now', title: 'Evaluate at the current time', onclick: () => moment.set('')}, 'now'));
  const graphControls = el('div', {class: 'tab-controls graph-controls'},
    el('span', {class: 'control-group'},
      el('button', {type: 'button', class: 'range-less', title: 'Shorter range', 'aria-label': 'Shorter range',
        onclick: () => range.set(nextRange(state.range, -1))}, '−'),
      range,
      el('button', {type: 'button', class: 'range-more', title: 'Longer range', 'aria-label': 'Longer range',
        onclick: () => range.set(nextRange(state.range, 1))}, '+')),
    el('span', {class: 'control-group'},
      el('button', {type: 'button', class: 'end-earlier', title: 'Back by half the range', 'aria-label': 'Back by half the range',
        onclick: () => shiftEnd(-1)}, '‹'),
      end,
      el('button', {type: 'button', class: 'end-later', title: 'Forward by half the range', 'aria-label': 'Forward by half the range',
        onclick: () => shiftEnd(1)}, '›')),
    el('span', {class: 'muted'}, 'UTC'),
    el('label', {}, 'Resolution ', step),
    el('label', {class: 'check'}, stacked, 'stacked'));

  const tabs = ['table', 'graph'].map((tab) => el('button', {class: 'tab', type: 'button', role: 'tab', dataset: {tab},
    onclick: () => {
      if (state.tab === tab) return;
      state.tab = tab;
      showTab();
      run();
    }}, tab === 'table' ? 'Table' : 'Graph'));
  const showTab = () => {
    for (const tab of tabs) {
      tab.classList.toggle('active', tab.dataset.tab === state.tab);
      tab.setAttribute('aria-selected', String(tab.dataset.tab === state.tab));
    }
    tableControls.hidden = state.tab !== 'table';
    graphControls.hidden = state.tab !== 'graph';
  };
  showTab();

  const node = el('section', {class: 'panel'},
    el('div', {class: 'expr-row'}, field,
      el('button', {class: 'primary execute', type: 'button', onclick: () => run()}, 'Execute'),
      el('button', {class: 'ghost remove-panel', type: 'button', title: 'Remove this panel', 'aria-label': 'Remove this panel', onclick: onRemove}, '✕')),
    syntaxSlot, messages,
    el('div', {class: 'panel-tabs'}, el('div', {class: 'tab-list', role: 'tablist'}, tabs), tableControls, graphControls),
    progressSlot, meta, result);
  requestAnimationFrame(grow);

  // Marks a parse error's position in the input and under it.
  function markSyntaxError(message, expr) {
    const at = errorPosition(message, expr);
    if (!at) return;
    const marked = expr.slice(at.offset, at.offset + 1);
    backdrop.replaceChildren(expr.slice(0, at.offset),
      el('mark', {class: 'syntax-error-mark'}, marked && marked !== '\n' ? marked : '\u00a0'),
      marked === '\n' ? expr.slice(at.offset) : expr.slice(at.offset + 1), '\u200b');
    field.classList.add('invalid');
    const pad = at.text.slice(0, at.column - 1).replace(/[^\t]/g, ' ');
    syntaxSlot.replaceChildren(el('div', {class: 'syntax-error'},
      el('span', {class: 'syntax-where'}, `line ${at.line}, column ${at.column}`),
      el('pre', {class: 'syntax-caret'}, `${at.text}\n${pad}^`)));
  }

  async function fetchTable(query, abort) {
    const time = parseTime(state.moment);
    if (Number.isNaN(time)) throw new Error(`cannot read the evaluation time "${state.moment}"; write e.g. 2024-05-01 12:00:00 (UTC)`);
    const params = {query, time: time === null ? undefined : time / 1000};
    const answer = await api('/api/v1/query', params, {signal: abort, method: methodFor(params)});
    return {...answer, time: time === null ? Date.now() : time};
  }

  async function fetchGraph(query, abort) {
    const seconds = parseDuration(state.range);
    if (!seconds) throw new Error(`cannot read the range "${state.range}"; write e.g. 1h or 30m`);
    const endTime = parseTime(state.end);
    if (Number.isNaN(endTime)) throw new Error(`cannot read the end time "${state.end}"; write e.g. 2024-05-01 12:00:00 (UTC)`);
    const stepSeconds = state.step ? parseDuration(state.step) : autoStep(seconds);
    if (!stepSeconds || stepSeconds <= 0) throw new Error(`cannot read the resolution "${state.step}"; write seconds or a duration such as 15s`);
    const endMs = endTime === null ? Date.now() : endTime;
    const params = {query, start: (endMs - seconds * 1000) / 1000, end: endMs / 1000, step: stepSeconds};
    const answer = await api('/api/v1/query_range', params, {signal: abort, method: methodFor(params)});
    return {...answer, start: endMs - seconds * 1000, end: endMs, step: stepSeconds};
  }

  async function run() {
    if (current) current.abort();
    completer.close();
    const expr = textarea.value;
    state.expr = expr;
    onChange();
    clearMark();
    resultScope.abort();
    resultScope = new AbortController();
    graph = null;
    for (const slot of [messages, meta, result]) slot.replaceChildren();
    if (!expr.trim()) return;
    const controller = new AbortController();
    current = controller;
    const leave = () => controller.abort();
    signal.addEventListener('abort', leave, {once: true});
    const began = performance.now();
    const progress = showProgress(progressSlot, began, () => controller.abort());
    try {
      const answer = state.tab === 'graph' ? await fetchGraph(expr, controller.signal) : await fetchTable(expr, controller.signal);
      if (current === controller) showAnswer(answer, performance.now() - began);
    } catch (error) {
      if (current !== controller || signal.aborted) return;
      if (error.name === 'AbortError') {
        messages.append(el('div', {class: 'notice warning cancelled'}, `Query cancelled after ${((performance.now() - began) / 1000).toFixed(1)} s.`));
      } else {
        messages.append(errorBox(error));
        markSyntaxError(error.message || '', expr);
      }
    } finally {
      progress.stop();
      signal.removeEventListener('abort', leave);
      if (current === controller) current = null;
    }
  }

  function showAnswer(answer, took) {
    for (const warning of answer.warnings) messages.append(el('div', {class: 'notice warning'}, warning));
    for (const info of answer.infos) messages.append(el('div', {class: 'notice info'}, info));
    const {resultType, result: items} = answer.data;
    const count = ['scalar', 'string'].includes(resultType) ? 1 : items.length;
    const facts = [el('span', {class: 'result-count'}, `${count} ${count === 1 ? 'result' : 'results'}`),
      el('span', {class: 'query-time'}, `load time ${took < 1000 ? `${Math.round(took)} ms` : `${(took / 1000).toFixed(2)} s`}`)];
    if (state.tab === 'table') {
      facts.push(el('span', {}, `evaluated at ${formatTime(answer.time)}`));
      append(result, [count ? resultTable(resultType, items) : emptyBox('Empty query result')]);
    } else {
      facts.push(el('span', {}, `resolution ${formatDuration(answer.step)}`));
      showGraph(answer, items || []);
    }
    meta.append(...facts);
  }

  function showGraph(answer, items) {
    const plottable = items.filter((item) => item.values && item.values.length);
    if (!plottable.length) {
      result.append(emptyBox('Empty query result: no data points in this range'));
      return;
    }
    if (plottable.length > MAX_SERIES) {
      result.append(el('div', {class: 'notice warning series-limit'},
        `Showing the first ${MAX_SERIES} of ${plottable.length} series; narrow the query (e.g. with topk or a label filter) to see the others.`));
    }
    const holder = el('div', {class: 'graph-holder'});
    result.append(holder);
    graph = renderGraph(holder, {matrix: plottable.slice(0, MAX_SERIES), start: answer.start, end: answer.end,
      step: answer.step, stacked: state.stacked}, resultScope.signal);
  }

  signal.addEventListener('abort', () => resultScope.abort(), {once: true});
  return {node, run, focus: () => textarea.focus()};
}

function methodFor(params) {
  return searchParams(params).toString().length > POST_ABOVE ? 'POST' : 'GET';
}

// A spinner with the seconds ticking and a Cancel button, shown once the
// query has taken a moment.
function showProgress(slot, began, cancel) {
  const elapsed = el('span', {class: 'elapsed'}, '0.0 s');
  const box = el('div', {class: 'notice loading query-progress'}, el('span', {class: 'spinner'}), 'Running query… ', elapsed,
    el('button', {type: 'button', class: 'cancel', onclick: cancel}, 'Cancel'));
  const tick = () => { elapsed.textContent = `${((performance.now() - began) / 1000).toFixed(1)} s`; };
  const shown = setTimeout(() => slot.replaceChildren(box), PROGRESS_AFTER);
  const timer = setInterval(tick, 100);
  return {
    stop() {
      clearTimeout(shown);
      clearInterval(timer);
      box.remove();
    },
  };
}

// An instant query's result as rows of series and values.
function resultTable(resultType, items) {
  let rows;
  if (resultType === 'scalar' || resultType === 'string') {
    rows = [[el('span', {class: 'muted'}, resultType), formatValue(items[1])]];
    if (resultType === 'string') rows[0][1] = items[1];
  } else if (resultType === 'vector') {
    rows = items.slice(0, MAX_ROWS).map((item) => [seriesName(item.metric), sampleText(item.value, item.histogram)]);
  } else {
    rows = items.slice(0, MAX_ROWS).map((item) => [seriesName(item.metric),
      [...(item.values || []).map(([t, v]) => el('div', {}, formatValue(v), el('span', {class: 'muted'}, ` @${t}`))),
        ...(item.histograms || []).map(([t, h]) => el('div', {}, sampleText(null, [t, h]), el('span', {class: 'muted'}, ` @${t}`)))]]);
  }
  const more = items.length > MAX_ROWS && resultType !== 'scalar' && resultType !== 'string'
    ? el('div', {class: 'notice warning row-limit'}, `Showing the first ${MAX_ROWS} of ${items.length} results.`) : null;
  return [more, dataTable(['Series', ['Value', 'num']], rows.map(([name, value]) => el('tr', {class: 'result-row'},
    el('td', {class: 'series-name mono'}, name), el('td', {class: 'num value'}, value))), {class: 'result-table'})];
}

function sampleText(value, histogram) {
  if (value) return formatValue(value[1]);
  if (histogram) return `histogram: count ${formatValue(histogram[1].count)}, sum ${formatValue(histogram[1].sum)}`;
  return '';
}
