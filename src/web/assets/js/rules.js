// The rules page: every rule group with its schedule and last evaluation,
// and each rule's expression, health and last error; failing rules stand
// out and can be listed alone.

import {el, heading, errorBox, emptyBox, loadingBox, labelChips, badge, searchBox, refreshButton} from './dom.js';
import {api} from './api.js';
import {formatAgo, formatDuration, formatSeconds, formatTime, textMatcher} from './format.js';

export async function render(root, context) {
  const {signal, params} = context;
  const filter = {search: params.get('search') || '', unhealthy: params.get('unhealthy') === '1'};
  let groups = [];

  const overview = el('div', {class: 'rules-overview'});
  const body = el('div', {class: 'rule-groups'});
  const noMatch = emptyBox('No rules match the filter.');
  noMatch.hidden = true;

  const remember = () => {
    const next = new URLSearchParams();
    if (filter.search) next.set('search', filter.search);
    if (filter.unhealthy) next.set('unhealthy', '1');
    context.setParams(next);
  };
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
    let anyShown = false;
    for (const group of groups) {
      let shown = 0;
      for (const rule of group.rules) {
        const visible = (!filter.unhealthy || rule.health !== 'ok') && matches(rule.text);
        rule.row.hidden = !visible;
        if (visible) shown += 1;
      }
      group.node.hidden = shown === 0;
      anyShown ||= shown > 0;
    }
    noMatch.hidden = anyShown || groups.length === 0;
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
    groups = (data.groups || []).map(groupSection);
    overview.replaceChildren(...summarize(groups));
    body.replaceChildren(...groups.map((group) => group.node));
    if (groups.length === 0) body.append(emptyBox('No rule groups: this node loads no rule_files, or they define no rules.'));
    applyFilter();
  }

  await load();
}

function summarize(groups) {
  if (groups.length === 0) return [];
  const rules = groups.flatMap((group) => group.rules);
  const failing = rules.filter((rule) => rule.health === 'err');
  const line = el('p', {class: 'muted page-summary'},
    `${groups.length} group${groups.length === 1 ? '' : 's'}, ${rules.length} rule${rules.length === 1 ? '' : 's'}, ${failing.length} failing.`);
  if (failing.length === 0) return [line];
  const names = failing.slice(0, 5).map((rule) => rule.name).join(', ') + (failing.length > 5 ? ', …' : '');
  return [line, errorBox(`${failing.length} rule${failing.length === 1 ? '' : 's'} failed to evaluate: ${names}. "Only unhealthy" lists them.`)];
}

function groupSection(group) {
  const rules = (group.rules || []).map((rule) => ({
    name: rule.name,
    health: rule.health || 'unknown',
    text: [rule.name, rule.query, rule.lastError || '', ...Object.entries(rule.labels || {}).map(([n, v]) => `${n}="${v}"`)]
      .join(' ').toLowerCase(),
    row: ruleRow(rule),
  }));
  const failing = rules.filter((rule) => rule.health === 'err').length;
  const node = el('details', {class: 'section rule-group', open: true, dataset: {group: group.name, file: group.file}},
    el('summary', {},
      el('span', {class: 'group-name'}, group.name), ' ',
      failing ? badge(`${failing} failing`, 'err') : null, ' ',
      el('span', {class: 'muted group-facts'},
        `${group.file} · every ${formatDuration(group.interval)} · last evaluated `,
        el('span', {title: evaluatedAt(group.lastEvaluation)}, formatAgo(group.lastEvaluation)),
        ` in ${formatSeconds(group.evaluationTime)}`,
        group.ruler ? ` · ruler ${group.ruler}` : '')),
    el('table', {class: 'data rules'},
      el('thead', {}, el('tr', {},
        el('th', {}, 'Rule'), el('th', {}, 'Health'), el('th', {}, 'Last evaluation'), el('th', {class: 'num'}, 'Evaluation time'))),
      el('tbody', {}, rules.map((rule) => rule.row))));
  return {node, rules};
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
