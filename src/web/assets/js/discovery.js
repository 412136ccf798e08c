// The service-discovery page: per scrape pool, every discovered target with
// its labels before relabeling beside the labels it got after relabeling, or
// "dropped" when relabeling dropped it.

import {el, heading, errorBox, emptyBox, loadingBox, labelChips, badge, searchBox, refreshButton, section, dataTable,
  saveFilters, filterGroups} from './dom.js';
import {api} from './api.js';
import {labelPairs, textMatcher} from './format.js';

const SHOWN = {all: 'active and dropped', active: 'active only', dropped: 'dropped only'};

export async function render(root, context) {
  const {signal, params} = context;
  const filter = {
    search: params.get('search') || '',
    show: Object.hasOwn(SHOWN, params.get('show') || '') ? params.get('show') : 'all',
  };
  let pools = [];
  // Pools the user folded stay folded across a refresh.
  const collapsed = new Set();

  const overview = el('div', {class: 'sd-overview'});
  const body = el('div', {class: 'sd-pools'});
  const noMatch = emptyBox('No discovered targets match the filter.');
  noMatch.hidden = true;

  const remember = () => saveFilters(context, {search: filter.search, show: filter.show !== 'all' && filter.show});
  const showSelect = el('select', {'aria-label': 'Targets shown', onchange: () => {
    filter.show = showSelect.value;
    remember();
    applyFilter();
  }}, Object.entries(SHOWN).map(([value, text]) => el('option', {value, selected: value === filter.show}, text)));

  root.append(
    heading('Service discovery',
      searchBox('Filter by labels', filter.search, (text) => {
        filter.search = text;
        remember();
        applyFilter();
      }),
      showSelect,
      refreshButton(load)),
    overview, noMatch, body);

  function applyFilter() {
    const matches = textMatcher(filter.search);
    filterGroups(pools, (target) => (filter.show === 'all' || filter.show === target.kind) && matches(target.text), noMatch);
  }

  async function load() {
    body.replaceChildren(loadingBox('Loading discovered targets…'));
    let data;
    try {
      ({data} = await api('/api/v1/targets', {state: 'any'}, {signal}));
    } catch (error) {
      if (error.name === 'AbortError') return;
      pools = [];
      overview.replaceChildren();
      noMatch.hidden = true;
      body.replaceChildren(errorBox(error, 'Cannot load the discovered targets'));
      return;
    }
    const grouped = groupByPool(data);
    pools = grouped.map((pool) => poolSection(pool, !collapsed.has(pool.name)));
    for (const pool of pools) {
      pool.node.addEventListener('toggle', () => {
        if (pool.node.open) collapsed.delete(pool.name);
        else collapsed.add(pool.name);
      });
    }
    overview.replaceChildren(grouped.length ? overviewTable(grouped) : '');
    body.replaceChildren(...pools.map((pool) => pool.node));
    if (grouped.length === 0) {
      body.append(emptyBox('No service discovery: this node has no scrape_configs, or they have discovered no targets yet.'));
    }
    applyFilter();
  }

  await load();
}

// Pools by name, each with its active and dropped targets and the number
// of dropped targets (the API may keep fewer dropped targets than it counts).
function groupByPool(data) {
  const pools = new Map();
  const pool = (name) => {
    if (!pools.has(name)) pools.set(name, {name, active: [], dropped: [], droppedCount: 0});
    return pools.get(name);
  };
  for (const target of data.activeTargets || []) pool(target.scrapePool).active.push(target);
  for (const target of data.droppedTargets || []) pool(target.scrapePool).dropped.push(target);
  for (const [name, count] of Object.entries(data.droppedTargetCounts || {})) pool(name).droppedCount = count;
  for (const entry of pools.values()) entry.droppedCount = Math.max(entry.droppedCount, entry.dropped.length);
  return [...pools.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function poolId(name) {
  return `pool-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function overviewTable(pools) {
  return dataTable(['Scrape pool', ['Active', 'num'], ['Dropped', 'num']], pools.map((pool) => el('tr', {},
    el('td', {}, el('a', {href: `#${poolId(pool.name)}`, onclick: (event) => jumpTo(event, pool.name)}, pool.name)),
    el('td', {class: 'num'}, pool.active.length),
    el('td', {class: 'num'}, pool.droppedCount))), {class: 'sd-counts'});
}

// The pool opens (it may be folded) as the page scrolls to it.
function jumpTo(event, name) {
  event.preventDefault();
  const node = document.getElementById(poolId(name));
  if (!node) return;
  node.open = true;
  node.scrollIntoView({block: 'start'});
}

function poolSection(pool, open) {
  const targets = [
    ...pool.active.map((target) => ({kind: 'active', text: searchText(target), row: activeRow(target)})),
    ...pool.dropped.map((target) => ({kind: 'dropped', text: searchText(target), row: droppedRow(target)})),
  ];
  const hiddenDropped = pool.droppedCount - pool.dropped.length;
  const node = section(
    [el('span', {class: 'pool-name'}, pool.name), ' ', el('span', {class: 'muted'}, `${pool.active.length} active, ${pool.droppedCount} dropped`)],
    {class: 'sd-pool', id: poolId(pool.name), open, dataset: {pool: pool.name}},
    targets.length ? dataTable(['Discovered labels', 'Target labels'], targets.map((target) => target.row), {class: 'sd-targets'}) : null,
    hiddenDropped > 0 ? el('p', {class: 'muted'},
      `${hiddenDropped} more dropped target${hiddenDropped === 1 ? ' is' : 's are'} counted but not kept (see keep_dropped_targets).`) : null);
  return {name: pool.name, node, items: targets};
}

function activeRow(target) {
  return el('tr', {class: 'sd-active'}, el('td', {}, labelChips(target.discoveredLabels)), el('td', {}, labelChips(target.labels)));
}

function droppedRow(target) {
  return el('tr', {class: 'sd-dropped'}, el('td', {}, labelChips(target.discoveredLabels)), el('td', {}, badge('dropped', 'down')));
}

function searchText(target) {
  return [...labelPairs(target.discoveredLabels), ...labelPairs(target.labels)].join(' ').toLowerCase();
}
