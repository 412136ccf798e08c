// The alerts view: /api/v2/alerts/groups as the dispatcher groups them, with
// Alertmanager's filters (matchers, receiver, silenced, inhibited) kept in
// the URL's hash so that a filtered view can be bookmarked.

import {amApi} from './api.js';
import {el, clear, errorBox, emptyBox, loadingBox, labelChips, badge, heading, saveFilters, textOrLink} from './dom.js';
import {isWebUrl} from './format.js';
import {exactRegex, hashLink, labelsToFilter, matcherFilterForm, splitMatchers, timeElement} from './alertmanager-common.js';

export async function render(root, context) {
  const {params, signal} = context;
  const receiverSelect = el('select', {class: 'am-receiver-filter', name: 'receiver', 'aria-label': 'Receiver'},
    el('option', {value: ''}, 'All receivers'));
  const silencedBox = el('input', {type: 'checkbox', name: 'silenced', checked: params.get('silenced') === 'true'});
  const inhibitedBox = el('input', {type: 'checkbox', name: 'inhibited', checked: params.get('inhibited') === 'true'});
  const results = el('div', {class: 'am-results'});
  const {form: filterForm, input: filterInput} = matcherFilterForm(params.get('filter'), '{severity="critical", team=~"db.*"}', [
    receiverSelect,
    el('label', {class: 'check'}, silencedBox, 'Silenced'),
    el('label', {class: 'check'}, inhibitedBox, 'Inhibited'),
  ], () => load());

  root.append(
    heading('Alerts', el('a', {class: 'button-link', href: '#/silences/new'}, 'New silence')),
    filterForm,
    results);

  let loading = null;
  async function load() {
    if (loading) loading.abort();
    loading = new AbortController();
    const abort = () => loading.abort();
    signal.addEventListener('abort', abort, {once: true});
    saveFilters(context, {
      filter: filterInput.value.trim(),
      receiver: receiverSelect.value,
      silenced: silencedBox.checked && 'true',
      inhibited: inhibitedBox.checked && 'true',
    });
    clear(results).append(loadingBox('Loading alerts…'));
    try {
      const groups = await amApi('/api/v2/alerts/groups', {signal: loading.signal, params: {
        filter: splitMatchers(filterInput.value),
        receiver: receiverSelect.value ? exactRegex(receiverSelect.value) : '',
        silenced: String(silencedBox.checked),
        inhibited: String(inhibitedBox.checked),
        active: 'true',
      }});
      clear(results).append(renderGroups(groups, silencedBox.checked && inhibitedBox.checked));
    } catch (error) {
      if (error.name === 'AbortError') return;
      clear(results).append(errorBox(error, 'Cannot list the alerts'));
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  for (const control of [receiverSelect, silencedBox, inhibitedBox]) control.addEventListener('change', load);

  // The alerts load once the receivers fill the select, whose value the
  // request reads; without the receivers they load all the same.
  // A receiver named in the URL stays selectable even when it is gone.
  const wanted = params.get('receiver') || '';
  amApi('/api/v2/receivers', {signal}).then((receivers) => (receivers || []).map((receiver) => receiver.name).sort(), () => [])
    .then((names) => {
      if (wanted && !names.includes(wanted)) names.unshift(wanted);
      for (const name of names) receiverSelect.append(el('option', {value: name, selected: name === wanted}, name));
      if (!signal.aborted) load();
    });
}

function renderGroups(groups, showingAll) {
  if (!groups.length) {
    const box = emptyBox('No alerts');
    if (!showingAll) box.append(el('span', {class: 'am-hint'}, ' (silenced and inhibited alerts are hidden unless their boxes are ticked)'));
    return box;
  }
  const total = groups.reduce((sum, group) => sum + group.alerts.length, 0);
  return el('div', {class: 'am-groups'},
    el('p', {class: 'muted am-count'}, `${total} alert${total === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}`),
    groups.map(renderGroup));
}

function renderGroup(group) {
  const receiver = group.receiver ? group.receiver.name : '';
  const groupLabels = group.labels || {};
  const title = Object.keys(groupLabels).length ? labelChips(groupLabels) : el('span', {class: 'muted'}, 'Not grouped');
  return el('section', {class: 'am-group', dataset: {receiver}},
    el('header', {class: 'am-group-head'},
      el('h2', {}, title),
      el('span', {class: 'am-receiver-name'}, 'receiver ', el('b', {}, receiver)),
      el('span', {class: 'muted'}, `${group.alerts.length} alert${group.alerts.length === 1 ? '' : 's'}`)),
    el('ul', {class: 'am-alerts'}, group.alerts.map(renderAlert)));
}

function renderAlert(alert) {
  const state = alert.status ? alert.status.state : 'unprocessed';
  const silencedBy = (alert.status && alert.status.silencedBy) || [];
  const inhibitedBy = (alert.status && alert.status.inhibitedBy) || [];
  const annotations = alert.annotations || {};
  const annotationNames = Object.keys(annotations).sort();
  return el('li', {class: `am-alert ${state}`, dataset: {fingerprint: alert.fingerprint, state}},
    el('div', {class: 'am-alert-main'},
      badge(state, state === 'active' ? 'firing' : state),
      el('span', {class: 'am-since muted'}, 'since ', timeElement(alert.startsAt)),
      labelChips(alert.labels),
      el('span', {class: 'am-alert-actions'},
        isWebUrl(alert.generatorURL) ? el('a', {href: alert.generatorURL, target: '_blank', rel: 'noopener'}, 'Source') : null,
        el('button', {type: 'button', class: 'silence', title: 'Silence this alert',
          onclick: () => { location.hash = hashLink('silences/new', {filter: labelsToFilter(alert.labels)}); }}, 'Silence'))),
    silencedBy.length ? el('div', {class: 'am-suppressed'}, 'Silenced by ',
      silencedBy.map((id) => el('a', {class: 'mono', href: hashLink('silences', {highlight: id})}, id))) : null,
    inhibitedBy.length ? el('div', {class: 'am-suppressed'}, 'Inhibited by ',
      inhibitedBy.map((fingerprint) => el('code', {}, fingerprint))) : null,
    annotationNames.length ? el('details', {class: 'am-annotations'},
      el('summary', {}, `Annotations (${annotationNames.length})`),
      el('dl', {}, annotationNames.map((name) => [el('dt', {}, name), el('dd', {}, textOrLink(annotations[name]))]))) : null);
}
