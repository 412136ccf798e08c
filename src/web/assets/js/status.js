// The status pages, one module with four views: runtime & build information,
// TSDB statistics, the loaded configuration and the command-line flags.

import {el, heading, errorBox, emptyBox, loadingBox, badge, searchBox, refreshButton, dataTable, keyValueTable,
  saveFilters, filterGroups} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatBytes, formatTime, textMatcher} from './format.js';

const VIEWS = {runtime: renderRuntime, tsdb: renderTsdb, config: renderConfig, flags: renderFlags};

export async function render(root, context) {
  const view = VIEWS[context.view] || renderRuntime;
  await view(root, context);
}

// Runs `draw(body)` after loading, and again on Refresh; the loading state
// and API errors are shown in `body`.
async function loadInto(body, signal, fetchAll, draw, what) {
  body.replaceChildren(loadingBox(`Loading ${what}…`));
  let results;
  try {
    results = await fetchAll();
  } catch (error) {
    if (error.name === 'AbortError') return;
    body.replaceChildren(errorBox(error, `Cannot load ${what}`));
    return;
  }
  if (signal.aborted) return;
  body.replaceChildren();
  draw(body, ...results);
}

// "storageRetention" → "Storage retention"; "CWD" stays as it is.
function humanize(key) {
  if (key === key.toUpperCase()) return key;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// RFC 3339 strings shown as a time and how long ago; booleans as badges.
function displayValue(value) {
  if (typeof value === 'boolean') return badge(value ? 'yes' : 'no', value ? 'ok' : 'err');
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(value)) {
    const ago = formatAgo(value);
    return ago === 'never' ? 'never' : `${formatTime(Date.parse(value))} (${ago})`;
  }
  if (value === null || value === undefined || value === '') return el('span', {class: 'muted'}, '—');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// An object's fields as a table, each row keyed (data-key) by its field.
function fieldsTable(object, id) {
  const rows = Object.entries(object || {}).map(([key, value]) => [humanize(key), displayValue(value), key]);
  return keyValueTable(rows, {class: 'key-value', id});
}

async function renderRuntime(root, {signal}) {
  const body = el('div');
  const load = () => loadInto(body, signal,
    () => Promise.all([api('/api/v1/status/buildinfo', {}, {signal}), api('/api/v1/status/runtimeinfo', {}, {signal})]),
    (node, build, runtime) => node.append(
      el('h2', {}, 'Runtime information'), fieldsTable(runtime.data, 'runtime-info'),
      el('h2', {}, 'Build information'), fieldsTable(build.data, 'build-info')),
    'the runtime information');
  root.append(heading('Runtime & build information', refreshButton(load)), body);
  await load();
}

const TOP_TABLES = [
  {id: 'top-metrics', key: 'seriesCountByMetricName', title: 'Top metric names by series', name: 'Metric name', value: 'Series'},
  {id: 'top-label-names', key: 'labelValueCountByLabelName', title: 'Top label names by number of values', name: 'Label name', value: 'Values'},
  {id: 'top-memory', key: 'memoryInBytesByLabelName', title: 'Top label names by memory used', name: 'Label name', value: 'Bytes', bytes: true},
  {id: 'top-label-pairs', key: 'seriesCountByLabelValuePair', title: 'Top label pairs by series', name: 'Label pair', value: 'Series'},
];
const LIMITS = ['10', '20', '50', '100'];

async function renderTsdb(root, context) {
  const {signal, params} = context;
  let limit = LIMITS.includes(params.get('limit')) ? params.get('limit') : '10';
  const body = el('div');
  const load = () => loadInto(body, signal, () => Promise.all([api('/api/v1/status/tsdb', {limit}, {signal})]),
    (node, {data}) => drawTsdb(node, data), 'the TSDB status');
  const limitSelect = el('select', {'aria-label': 'Rows per table', onchange: () => {
    limit = limitSelect.value;
    saveFilters(context, {limit: limit !== '10' && limit});
    load();
  }}, LIMITS.map((n) => el('option', {value: n, selected: n === limit}, `top ${n}`)));
  root.append(heading('TSDB status', limitSelect, refreshButton(load)), body);
  await load();
}

function drawTsdb(node, data) {
  const head = data.headStats || {};
  const empty = !head.numSeries;
  const time = (ms) => (empty || !ms ? '—' : formatTime(ms));
  const card = (title, value, hint, kind = '') => el('div', {class: 'card'},
    el('div', {class: 'muted'}, title), el('div', {class: `big ${kind}`}, value), hint ? el('div', {class: 'muted small'}, hint) : null);
  node.append(
    el('h2', {}, 'Head block'),
    el('div', {class: 'cards tsdb-head'},
      card('Series', (head.numSeries ?? 0).toLocaleString('en-US')),
      card('Label pairs', (head.numLabelPairs ?? 0).toLocaleString('en-US')),
      card('Chunks', (head.chunkCount ?? 0).toLocaleString('en-US')),
      card('Min time', time(head.minTime), empty ? null : formatAgo(head.minTime), 'time'),
      card('Max time', time(head.maxTime), empty ? null : formatAgo(head.maxTime), 'time')));
  if (empty) node.append(emptyBox('The head block holds no series yet: nothing has been scraped or written to this node.'));
  node.append(el('div', {class: 'top-tables'},
    TOP_TABLES.map((spec) => el('div', {}, el('h2', {}, spec.title), topTable(spec, data[spec.key] || [])))));
}

// A top-N table with a bar per row, scaled to the largest value.
function topTable(spec, rows) {
  if (rows.length === 0) return el('div', {id: spec.id}, emptyBox(`No ${spec.name.toLowerCase()}s: the head block is empty.`));
  const max = Math.max(...rows.map((row) => row.value), 1);
  return dataTable([spec.name, [spec.value, 'num'], ['', 'bar-cell']], rows.map((row) => el('tr', {},
    el('td', {class: 'mono'}, row.name),
    el('td', {class: 'num'}, spec.bytes ? formatBytes(row.value) : row.value.toLocaleString('en-US')),
    el('td', {class: 'bar-cell'}, el('span', {class: 'bar', style: {width: `${(100 * row.value) / max}%`}})))),
  {class: 'top-table', id: spec.id});
}

async function renderConfig(root, {signal}) {
  const body = el('div');
  let yaml = '';
  const copyButton = el('button', {type: 'button', disabled: true, onclick: () => copyText(yaml, copyButton)}, 'Copy');
  const load = () => loadInto(body, signal, () => Promise.all([api('/api/v1/status/config', {}, {signal})]), (node, {data}) => {
    yaml = data.yaml || '';
    copyButton.disabled = !yaml;
    node.append(yaml ? el('pre', {class: 'config'}, yaml) : emptyBox('The configuration is empty: this node was started without a configuration file.'));
  }, 'the configuration');
  root.append(heading('Configuration', copyButton, refreshButton(load)), body);
  await load();
}

// The clipboard API needs a secure context; plain http on another host has
// only the older execCommand.
async function copyText(text, button) {
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    const area = el('textarea', {class: 'offscreen'}, text);
    document.body.append(area);
    area.select();
    copied = document.execCommand('copy');
    area.remove();
  }
  button.textContent = copied ? 'Copied' : 'Copy failed';
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
}

async function renderFlags(root, context) {
  const {signal, params} = context;
  let search = params.get('search') || '';
  let flags = null; // the table as a group of rows, for filterGroups
  const body = el('div');
  const noMatch = emptyBox('No flags match the filter.');
  noMatch.hidden = true;
  const applyFilter = () => {
    const matches = textMatcher(search);
    filterGroups(flags ? [flags] : [], (row) => matches(row.text), noMatch);
  };
  const load = () => loadInto(body, signal, () => Promise.all([api('/api/v1/status/flags', {}, {signal})]), (node, {data}) => {
    const rows = Object.keys(data || {}).sort().map((name) => ({
      text: `${name} ${data[name]}`.toLowerCase(),
      row: el('tr', {class: 'flag-row', dataset: {flag: name}}, el('td', {class: 'mono'}, `--${name}`), el('td', {class: 'mono'}, data[name])),
    }));
    flags = rows.length ? {node: dataTable(['Flag', 'Value'], rows.map((row) => row.row), {class: 'flags'}), items: rows} : null;
    node.append(flags ? flags.node : emptyBox('No flags: the server reported none.'));
    applyFilter();
  }, 'the flags');
  root.append(heading('Command-line flags',
    searchBox('Filter flags', search, (text) => {
      search = text;
      saveFilters(context, {search});
      applyFilter();
    }),
    refreshButton(load)), noMatch, body);
  await load();
}
