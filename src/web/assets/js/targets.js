// The targets page: active scrape targets grouped by scrape pool, with their
// health, labels (after and, on demand, before relabeling), last scrape and
// error. The filters live in the URL so that a filtered view can be shared.

import {el, heading, errorBox, emptyBox, loadingBox, labelChips, badge, searchBox, refreshButton, section, dataTable,
  saveFilters, filterGroups, textOrLink} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatSeconds, formatTime, labelPairs, textMatcher} from './format.js';

const HEALTHS = ['all', 'up', 'down', 'unknown'];

export async function render(root, context) {
  const {signal, params} = context;
  const filter = {
    search: params.get('search') || '',
    health: HEALTHS.includes(params.get('health')) ? params.get('health') : 'all',
    discovered: params.get('discovered') === '1',
  };
  // Pools the user folded stay folded across a refresh.
  const collapsed = new Set();
  let pools = [];

  const summary = el('span');
  const shownNote = el('span');
  const body = el('div', {class: 'target-pools'});
  const noMatch = emptyBox('No targets match the filter.');
  noMatch.hidden = true;

  const remember = () => saveFilters(context, {
    search: filter.search,
    health: filter.health !== 'all' && filter.health,
    discovered: filter.discovered,
  });
  const healthSelect = el('select', {'aria-label': 'Target state', onchange: () => {
    filter.health = healthSelect.value;
    remember();
    applyFilter();
  }}, HEALTHS.map((health) => el('option', {value: health, selected: health === filter.health}, health === 'all' ? 'all states' : health)));
  const discoveredCheck = el('input', {type: 'checkbox', checked: filter.discovered, onchange: () => {
    filter.discovered = discoveredCheck.checked;
    remember();
    for (const details of body.querySelectorAll('details.discovered')) details.open = filter.discovered;
  }});
  const foldButton = el('button', {type: 'button', onclick: () => {
    const fold = pools.some((pool) => pool.node.open);
    for (const pool of pools) pool.node.open = !fold;
  }}, 'Collapse all');

  root.append(
    heading('Targets',
      searchBox('Filter by endpoint or labels', filter.search, (text) => {
        filter.search = text;
        remember();
        applyFilter();
      }),
      healthSelect,
      el('label', {class: 'check'}, discoveredCheck, 'Show discovered labels'),
      foldButton,
      refreshButton(load)),
    el('p', {class: 'muted page-summary'}, summary, shownNote), noMatch, body);

  function applyFilter() {
    const matches = textMatcher(filter.search);
    const shown = filterGroups(pools,
      (target) => (filter.health === 'all' || target.health === filter.health) && matches(target.text), noMatch);
    const filtered = filter.search || filter.health !== 'all';
    shownNote.textContent = filtered && pools.length ? ` Showing ${shown} that match the filter.` : '';
  }

  function updateFoldButton() {
    foldButton.hidden = pools.length === 0;
    foldButton.textContent = pools.some((pool) => pool.node.open) ? 'Collapse all' : 'Expand all';
  }

  async function load() {
    body.replaceChildren(loadingBox('Loading targets…'));
    let data;
    try {
      ({data} = await api('/api/v1/targets', {state: 'active'}, {signal}));
    } catch (error) {
      if (error.name === 'AbortError') return;
      pools = [];
      summary.textContent = '';
      shownNote.textContent = '';
      noMatch.hidden = true;
      updateFoldButton();
      body.replaceChildren(errorBox(error, 'Cannot load the targets'));
      return;
    }
    const targets = data.activeTargets || [];
    const withScraper = targets.some((target) => target.scraper);
    pools = groupByPool(targets).map(([name, members]) => poolSection(name, members, withScraper));
    for (const pool of pools) {
      pool.node.addEventListener('toggle', () => {
        if (pool.node.open) collapsed.delete(pool.name);
        else collapsed.add(pool.name);
        updateFoldButton();
      });
    }
    summary.replaceChildren(summarize(targets, pools.length));
    body.replaceChildren(...pools.map((pool) => pool.node));
    if (targets.length === 0) {
      body.append(emptyBox('No scrape targets: this node has no scrape_configs, or service discovery has found no targets yet.'));
    }
    applyFilter();
    updateFoldButton();
  }

  function poolSection(name, members, withScraper) {
    const up = members.filter((target) => target.health === 'up').length;
    const kind = up === members.length ? 'up' : members.some((target) => target.health === 'down') ? 'down' : 'unknown';
    const rows = members.map((target) => ({
      health: target.health,
      text: searchText(target),
      row: targetRow(target, withScraper, filter.discovered),
    }));
    const headers = ['Endpoint', 'State', 'Labels', 'Last scrape', 'Duration', 'Error'];
    if (withScraper) headers.push('Scraper');
    const node = section([el('span', {class: 'pool-name'}, name), ' ', badge(`${up}/${members.length} up`, kind)],
      {class: 'pool', open: !collapsed.has(name), dataset: {pool: name}},
      dataTable(headers, rows.map((target) => target.row), {class: 'targets'}));
    return {name, node, items: rows};
  }

  await load();
}

function groupByPool(targets) {
  const pools = new Map();
  for (const target of targets) {
    if (!pools.has(target.scrapePool)) pools.set(target.scrapePool, []);
    pools.get(target.scrapePool).push(target);
  }
  return [...pools].sort(([a], [b]) => a.localeCompare(b));
}

function searchText(target) {
  return [target.scrapeUrl, target.scraper || '', ...labelPairs(target.labels)].join(' ').toLowerCase();
}

function targetRow(target, withScraper, showDiscovered) {
  const scraped = formatAgo(target.lastScrape) !== 'never';
  const cells = [
    el('td', {class: 'endpoint'}, textOrLink(target.scrapeUrl)),
    el('td', {}, badge(target.health)),
    el('td', {class: 'target-labels'},
      labelChips(target.labels),
      el('details', {class: 'discovered', open: showDiscovered},
        el('summary', {}, 'before relabeling'),
        labelChips(target.discoveredLabels))),
    el('td', {class: 'nowrap', title: scraped ? formatTime(Date.parse(target.lastScrape)) : null}, formatAgo(target.lastScrape)),
    el('td', {class: 'num', title: `interval ${target.scrapeInterval}, timeout ${target.scrapeTimeout}`},
      scraped ? formatSeconds(target.lastScrapeDuration) : '—'),
    el('td', {class: 'error-text'}, target.lastError || ''),
  ];
  if (withScraper) cells.push(el('td', {class: 'mono'}, target.scraper || ''));
  return el('tr', {class: 'target-row', dataset: {health: target.health, pool: target.scrapePool}}, cells);
}

function summarize(targets, poolCount) {
  if (targets.length === 0) return '';
  const count = (health) => targets.filter((target) => target.health === health).length;
  const parts = [`${count('up')} up`, `${count('down')} down`];
  if (count('unknown')) parts.push(`${count('unknown')} unknown`);
  return `${targets.length} target${targets.length === 1 ? '' : 's'} in ${poolCount} pool${poolCount === 1 ? '' : 's'}: ${parts.join(', ')}.`;
}
