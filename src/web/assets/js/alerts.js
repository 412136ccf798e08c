// The alerts page: every alerting rule by group with its state, the counts
// of firing and pending rules at the top, and on demand the rule's
// definition and its active alerts.

import {el, heading, errorBox, emptyBox, loadingBox, labelChips, badge, searchBox, refreshButton, section, dataTable,
  saveFilters, filterGroups, textOrLink} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatDuration, formatTime, formatValue, labelPairs, textMatcher} from './format.js';

const STATES = ['firing', 'pending', 'inactive'];

export async function render(root, context) {
  const {signal, params} = context;
  // `state` lists the states shown (`none` when no box is ticked).
  const wanted = (params.get('state') || '').split(',').filter((state) => STATES.includes(state));
  const filter = {search: params.get('search') || '', states: new Set(params.has('state') ? wanted : STATES)};
  let rules = [];
  let groups = [];

  const counts = el('div', {class: 'alert-counts'});
  const body = el('div', {class: 'alert-groups'});
  const noMatch = emptyBox('No alerting rules match the filter.');
  noMatch.hidden = true;

  const remember = () => saveFilters(context, {
    search: filter.search,
    state: filter.states.size < STATES.length && (STATES.filter((s) => filter.states.has(s)).join(',') || 'none'),
  });
  const stateChecks = STATES.map((state) => el('label', {class: 'check'},
    el('input', {type: 'checkbox', checked: filter.states.has(state), dataset: {state}, onchange: (event) => {
      if (event.target.checked) filter.states.add(state);
      else filter.states.delete(state);
      remember();
      applyFilter();
    }}), state));
  const expandButton = el('button', {type: 'button', onclick: () => {
    const open = !rules.every((rule) => rule.row.open);
    for (const rule of rules) rule.row.open = open;
    updateExpandButton();
  }}, 'Expand all');
  const updateExpandButton = () => {
    expandButton.textContent = rules.length && rules.every((rule) => rule.row.open) ? 'Collapse all' : 'Expand all';
  };

  root.append(
    heading('Alerts',
      searchBox('Filter by name or labels', filter.search, (text) => {
        filter.search = text;
        remember();
        applyFilter();
      }),
      stateChecks, expandButton, refreshButton(load)),
    counts, noMatch, body);

  function applyFilter() {
    const matches = textMatcher(filter.search);
    filterGroups(groups, (rule) => filter.states.has(rule.state) && matches(rule.text), noMatch);
  }

  async function load() {
    body.replaceChildren(loadingBox('Loading alerting rules…'));
    let data;
    try {
      ({data} = await api('/api/v1/rules', {type: 'alert'}, {signal}));
    } catch (error) {
      if (error.name === 'AbortError') return;
      rules = [];
      groups = [];
      updateExpandButton();
      counts.replaceChildren();
      noMatch.hidden = true;
      body.replaceChildren(errorBox(error, 'Cannot load the alerting rules'));
      return;
    }
    const open = new Set(rules.filter((rule) => rule.row.open).map((rule) => rule.key));
    groups = (data.groups || []).map((group) => groupSection(group, open));
    rules = groups.flatMap((group) => group.items);
    for (const rule of rules) rule.row.addEventListener('toggle', updateExpandButton);
    counts.replaceChildren(...countChips(rules));
    body.replaceChildren(...groups.map((group) => group.node));
    if (rules.length === 0) body.append(emptyBox('No alerting rules: no rule file loaded by this node defines an `alert:` rule.'));
    applyFilter();
    updateExpandButton();
  }

  await load();
}

function countChips(rules) {
  const alerts = (state) => rules.reduce((sum, rule) => sum + rule.alerts.filter((alert) => alert.state === state).length, 0);
  return STATES.map((state) => {
    const count = rules.filter((rule) => rule.state === state).length;
    const detail = state === 'inactive' ? '' : ` (${alerts(state)} alert${alerts(state) === 1 ? '' : 's'})`;
    return el('span', {class: `alert-count count-${state}${count ? ' nonzero' : ''}`, dataset: {count: String(count)}},
      el('b', {}, String(count)), ` ${state}${detail}`);
  });
}

function groupSection(group, open) {
  const rules = (group.rules || []).filter((rule) => rule.type !== 'recording')
    .map((rule) => ruleEntry(group, rule, open));
  const node = section([
    el('span', {class: 'group-name'}, group.name), ' ',
    el('span', {class: 'muted'}, group.file),
    group.ruler ? el('span', {class: 'muted'}, ` · ruler ${group.ruler}`) : null,
  ], {class: 'alert-group', open: true, dataset: {group: group.name}}, rules.map((rule) => rule.row));
  return {node, items: rules};
}

function ruleEntry(group, rule, open) {
  const key = `${group.file}\u0000${group.name}\u0000${rule.name}\u0000${rule.query}`;
  const alerts = rule.alerts || [];
  const text = [rule.name, rule.query, ...labelPairs(rule.labels), ...alerts.flatMap((alert) => labelPairs(alert.labels))]
    .join(' ').toLowerCase();
  const active = alerts.length ? el('span', {class: 'muted'}, `${alerts.length} active`) : null;
  const node = el('details', {class: `alert-rule ${rule.state}`, open: open.has(key), dataset: {state: rule.state, name: rule.name}},
    el('summary', {}, badge(rule.state), ' ', el('span', {class: 'rule-name'}, rule.name), ' ', active,
      rule.health === 'err' ? badge('error') : null),
    el('div', {class: 'alert-rule-body'},
      rule.lastError ? errorBox(rule.lastError, 'Evaluation failed') : null,
      el('pre', {class: 'rule-definition'}, ruleYaml(rule)),
      alerts.length ? alertTable(alerts) : el('p', {class: 'muted'}, 'No active alerts.')));
  return {key, row: node, state: rule.state, text, alerts};
}

// The rule as it would read in a rule file.
function ruleYaml(rule) {
  const lines = [`alert: ${rule.name}`];
  const expr = String(rule.query || '');
  if (expr.includes('\n')) lines.push('expr: |', ...expr.split('\n').map((line) => `  ${line}`));
  else lines.push(`expr: ${expr}`);
  if (rule.duration) lines.push(`for: ${formatDuration(rule.duration)}`);
  if (rule.keepFiringFor) lines.push(`keep_firing_for: ${formatDuration(rule.keepFiringFor)}`);
  for (const [key, map] of [['labels', rule.labels], ['annotations', rule.annotations]]) {
    const entries = Object.entries(map || {});
    if (!entries.length) continue;
    lines.push(`${key}:`, ...entries.map(([name, value]) => `  ${name}: ${JSON.stringify(value)}`));
  }
  return lines.join('\n');
}

// The alert's annotations after templating, e.g. its summary.
function annotationList(annotations) {
  const entries = Object.entries(annotations || {});
  if (!entries.length) return null;
  return el('div', {class: 'annotations'}, entries.map(([name, value]) =>
    el('div', {}, el('span', {class: 'muted'}, `${name}: `), textOrLink(value))));
}

function alertTable(alerts) {
  const rows = alerts.map((alert) => el('tr', {class: 'alert-row', dataset: {state: alert.state}},
    el('td', {}, labelChips(alert.labels, ['alertname']), annotationList(alert.annotations)),
    el('td', {}, badge(alert.state)),
    el('td', {class: 'nowrap', title: formatTime(Date.parse(alert.activeAt))}, formatAgo(alert.activeAt),
      alert.keepFiringSince ? el('div', {class: 'muted'}, `keeps firing since ${formatAgo(alert.keepFiringSince)}`) : null),
    el('td', {class: 'num'}, formatValue(alert.value))));
  return dataTable(['Labels', 'State', 'Active since', ['Value', 'num']], rows, {class: 'alerts'});
}
