// The query page (/query, alias /graph): a list of panels whose whole state
// lives in the URL, in Prometheus' parameters (g0.expr, g0.tab, …), so that
// links from Prometheus and from Sonde's alerting rules open the same view.

import {el} from './dom.js';
import {createPanel} from './panel.js';
import {completionSource} from './autocomplete.js';

const DEFAULT_RANGE = '1h';

function blankPanel() {
  return {expr: '', tab: 'table', range: DEFAULT_RANGE, end: '', moment: '', step: '', stacked: false};
}

// Panel states from g{i}.* parameters, in index order. Prometheus wrote the
// tab as 0 (graph) or 1 (table) and newer versions write its name.
export function readPanels(params) {
  const indices = new Set();
  for (const key of params.keys()) {
    const match = /^g(\d+)\./.exec(key);
    if (match) indices.add(Number(match[1]));
  }
  return [...indices].sort((a, b) => a - b).map((i) => {
    const get = (name) => (params.get(`g${i}.${name}`) || '').trim();
    const tab = get('tab');
    return {
      expr: params.get(`g${i}.expr`) || '',
      tab: tab === '0' || tab === 'graph' ? 'graph' : 'table',
      range: get('range_input') || DEFAULT_RANGE,
      end: get('end_input'),
      moment: get('moment_input'),
      step: get('step_input'),
      stacked: get('stacked') === '1' || get('display_mode') === 'stacked',
    };
  });
}

// The parameters for panel states, numbered from 0 in page order.
export function writePanels(states) {
  const params = new URLSearchParams();
  states.forEach((state, i) => {
    const set = (name, value) => { if (value) params.set(`g${i}.${name}`, value); };
    params.set(`g${i}.expr`, state.expr);
    params.set(`g${i}.tab`, state.tab);
    set('range_input', state.range);
    set('end_input', state.end);
    set('moment_input', state.moment);
    set('step_input', state.step);
    set('stacked', state.stacked ? '1' : '');
  });
  return params;
}

export async function render(root, context) {
  const completions = completionSource(context.signal);
  const list = el('div', {class: 'panels'});
  let panels = [];
  const save = () => context.setParams(writePanels(panels.map((panel) => panel.state)));

  const add = (state) => {
    // Each panel's own signal stops its query when it is removed or the page left.
    const life = new AbortController();
    context.signal.addEventListener('abort', () => life.abort(), {once: true, signal: life.signal});
    const entry = {state, life};
    entry.panel = createPanel(state, {
      completions,
      signal: life.signal,
      onChange: save,
      onRemove: () => {
        life.abort();
        entry.panel.node.remove();
        panels = panels.filter((other) => other !== entry);
        save();
      },
    });
    panels.push(entry);
    list.append(entry.panel.node);
    return entry.panel;
  };

  const states = readPanels(context.params);
  root.append(el('div', {class: 'query-page'}, list,
    el('button', {class: 'add-panel', type: 'button', onclick: () => {
      add(blankPanel()).focus();
      save();
    }}, '+ Add panel')));
  const created = (states.length ? states : [blankPanel()]).map(add);
  // Panels from a link run at once, as in Prometheus.
  states.forEach((state, i) => { if (state.expr.trim()) created[i].run(); });
  if (!states.length) created[0].focus();
}
