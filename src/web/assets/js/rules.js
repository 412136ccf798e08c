// The rules page: every rule group with its schedule and last evaluation,
// and each rule's expression, health and last error; failing rules stand
// out and can be listed alone.

import {el, heading, errorBox, emptyBox, loadingBox, labelChips, badge, searchBox, refreshButton, section, dataTable,
  saveFilters, filterGroups} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatDuration, formatSeconds, formatTime, labelPairs, textMatcher} from './format.js';

export async function render(root, context) {
  const {signal, params} = context;
  const filter = {search: params.get('search') || '', unhealthy: params.get('unhealthy') === '1'};
  let groups = [];
  // Groups the user folded stay folded across a refresh.
  const collapsed = new Set();

  const overview = el('div', {class: 'rules-overview'});
  const body = el('div', {class: 'rule-groups'});
  const noMatch = emptyBox('No rules match the filter.');
  noMatch.hidden = true;

  const remember = () => saveFilters(context, {search: filter.search, unhealthy: filter.unhealthy});
  const unhealthyCheck = el('input', {type: 'checkbox', checked: filter.unhealthy, onchange: () => {
    filter.unhealthy = unhealthyCheck.checked;
    remember();
    applyFilter();
  }});

  root.append(
    heading('Rules',
      searchBox('Filter rules', filter.search, (text) => {
        filter.search = text;
        remember();
        applyFilter();
      }),
      el('label', {class: 'check'}, unhealthyCheck, 'Only unhealthy'),
      refreshButton(load)),
    overview, noMatch, body);

  function applyFilter() {
    const matches = textMatcher(filter.search);
    filterGroups(groups, (rule) => (!filter.unhealthy || rule.health !== 'ok') && matches(rule.text), noMatch);
  }

  async function load() {
    body.replaceChildren(loadingBox('Loading rules…'));
    let data;
    try {
      ({data} = await api('/api/v1/rules', {}, {signal}));
    } catch (error) {
      if (error.name === 'AbortError') return;
      groups = [];
      overview.replaceChildren();
      noMatch.hidden = true;
      body.replaceChildren(errorBox(error, 'Cannot load the rules'));
      return;
    }
    groups = (data.groups || []).map((group) => groupSection(group, collapsed));
    overview.replaceChildren(...summarize(groups));
    body.replaceChildren(...groups.map((group) => group.node));
    if (groups.length === 0) body.append(emptyBox('No rule groups: this node loads no rule_files, or they define no rules.'));
    applyFilter();
  }

  await load();
}

function summarize(groups) {
  if (groups.length === 0) return [];
  const rules = groups.flatMap((group) => group.items);
  const failing = rules.filter((rule) => rule.health === 'err');
  const line = el('p', {class: 'muted page-summary'},
    `${groups.length} group${groups.length === 1 ? '' : 's'}, ${rules.length} rule${rules.length === 1 ? '' : 's'}, ${failing.length} failing.`);
  if (failing.length === 0) return [line];
  const names = failing.slice(0, 5).map((rule) => rule.name).join(', ') + (failing.length > 5 ? ', …' : '');
  return [line, errorBox(`${failing.length} rule${failing.length === 1 ? '' : 's'} failed to evaluate: ${names}. "Only unhealthy" lists them.`)];
}

function groupSection(group, collapsed) {
  const key = `${group.file}\u0000${group.name}`;
  const rules = (group.rules || []).map((rule) => ({
    name: rule.name,
    health: rule.health || 'unknown',
    text: [rule.name, rule.query, rule.lastError || '', ...labelPairs(rule.labels)].join(' ').toLowerCase(),
    row: ruleRow(rule),
  }));
  const failing = rules.filter((rule) => rule.health === 'err').length;
  const node = section([
    el('span', {class: 'group-name'}, group.name), ' ',
    failing ? badge(`${failing} failing`, 'err') : null, ' ',
    el('span', {class: 'muted group-facts'},
      `${group.file} · every ${formatDuration(group.interval)} · last evaluated `,
      el('span', {title: evaluatedAt(group.lastEvaluation)}, formatAgo(group.lastEvaluation)),
      ` in ${formatSeconds(group.evaluationTime)}`,
      group.ruler ? ` · ruler ${group.ruler}` : ''),
  ], {class: 'rule-group', open: !collapsed.has(key), dataset: {group: group.name, file: group.file}},
  dataTable(['Rule', 'Health', 'Last evaluation', ['Evaluation time', 'num']], rules.map((rule) => rule.row), {class: 'rules'}));
  node.addEventListener('toggle', () => {
    if (node.open) collapsed.delete(key);
    else collapsed.add(key);
  });
  return {node, items: rules};
}

function evaluatedAt(time) {
  const ms = Date.parse(time);
  return formatAgo(time) === 'never' ? null : formatTime(ms);
}

function ruleRow(rule) {
  const kind = rule.type === 'alerting' ? 'alert' : 'record';
  const labels = Object.keys(rule.labels || {}).length ? labelChips(rule.labels) : null;
  return el('tr', {class: `rule-row${rule.health === 'err' ? ' unhealthy' : ''}`, dataset: {health: rule.health || 'unknown', type: rule.type}},
    el('td', {class: 'rule-cell'},
      el('div', {}, el('span', {class: 'muted'}, `${kind}: `), el('strong', {class: 'rule-name'}, rule.name)),
      el('pre', {class: 'expr'}, rule.query),
      labels,
      rule.lastError ? el('div', {class: 'notice error rule-error'}, el('strong', {}, 'Error: '), rule.lastError) : null),
    el('td', {}, badge(rule.health || 'unknown')),
    el('td', {class: 'nowrap', title: evaluatedAt(rule.lastEvaluation)}, formatAgo(rule.lastEvaluation)),
    el('td', {class: 'num'}, formatSeconds(rule.evaluationTime || 0)));
}
