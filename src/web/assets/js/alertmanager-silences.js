// The silences view: /api/v2/silences by state (active, pending, expired),
// each with the alerts it silences now or would silence, and actions to
// expire, edit or recreate it. `#/silences?highlight=<id>` (or
// `#/silences/<id>`) marks one silence, e.g. the one just saved.

import {amApi} from './api.js';
import {el, clear, errorBox, emptyBox, loadingBox, badge, heading, saveFilters} from './dom.js';
import {formatMatcher, hashLink, matcherChips, matcherFilterForm, silenceMatches, splitMatchers, timeElement} from './alertmanager-common.js';

const STATES = [
  {state: 'active', title: 'Active'},
  {state: 'pending', title: 'Pending'},
  {state: 'expired', title: 'Expired'},
];

export async function render(root, context) {
  const {params, signal} = context;
  const highlight = params.get('highlight') || context.silenceId || '';
  const {form: filterForm, input: filterInput} = matcherFilterForm(params.get('filter'), '{alertname="InstanceDown"}', [], () => load());
  const results = el('div', {class: 'am-results'});
  root.append(
    heading('Silences', el('a', {class: 'button-link', href: '#/silences/new'}, 'New silence')),
    filterForm,
    results);

  // A new load (filter, reload after an expiry) supersedes the one running.
  let loading = null;
  async function load() {
    if (signal.aborted) return; // e.g. the reload after an expiry, once the user has left
    if (loading) loading.abort();
    const mine = new AbortController();
    loading = mine;
    const abort = () => mine.abort();
    signal.addEventListener('abort', abort, {once: true});
    saveFilters(context, {filter: filterInput.value.trim(), highlight});
    clear(results).append(loadingBox('Loading silences…'));
    try {
      // All alerts, silenced ones included, to count what each silence mutes.
      const [silences, alerts] = await Promise.all([
        amApi('/api/v2/silences', {signal: mine.signal, params: {filter: splitMatchers(filterInput.value)}}),
        amApi('/api/v2/alerts', {signal: mine.signal}).catch(() => null),
      ]);
      clear(results).append(renderSilences(silences, alerts, highlight, load));
      const marked = results.querySelector('.am-silence.highlight');
      if (marked) marked.scrollIntoView({block: 'center'});
    } catch (error) {
      if (error.name !== 'AbortError') clear(results).append(errorBox(error, 'Cannot list the silences'));
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
  await load();
}

function renderSilences(silences, alerts, highlight, reload) {
  if (!silences.length) return emptyBox('No silences');
  return el('div', {class: 'am-silences'}, STATES.map(({state, title}) => {
    const inState = silences.filter((silence) => silence.status.state === state);
    return el('section', {class: `am-silence-state ${state}`},
      el('h2', {}, title, ' ', el('span', {class: 'muted'}, `(${inState.length})`)),
      inState.length
        ? el('div', {class: 'am-silence-list'}, inState.map((silence) => renderSilence(silence, alerts, highlight, reload)))
        : emptyBox(`No ${state} silences`));
  }));
}

function renderSilence(silence, alerts, highlight, reload) {
  const state = silence.status.state;
  const errorSlot = el('div', {class: 'am-silence-error'});
  const actions = [];
  if (state === 'active' || state === 'pending') {
    actions.push(el('a', {class: 'button-link edit', href: `#/silences/${encodeURIComponent(silence.id)}/edit`}, 'Edit'));
    actions.push(el('button', {type: 'button', class: 'expire danger',
      onclick: (event) => askToExpire(silence, event.currentTarget, errorSlot, reload)}, 'Expire'));
  } else {
    actions.push(el('a', {class: 'button-link recreate', href: `#/silences/${encodeURIComponent(silence.id)}/recreate`}, 'Recreate'));
  }
  return el('article', {class: `am-silence card${silence.id === highlight ? ' highlight' : ''}`, dataset: {id: silence.id, state}},
    el('header', {class: 'am-silence-head'},
      badge(state, state === 'expired' ? 'muted' : state),
      matcherChips(silence.matchers),
      el('span', {class: 'am-silence-actions'}, actions)),
    el('p', {class: 'am-comment'}, silence.comment || el('span', {class: 'muted'}, 'No comment')),
    el('dl', {class: 'am-silence-meta'},
      el('dt', {}, 'Created by'), el('dd', {}, silence.createdBy || el('span', {class: 'muted'}, 'nobody')),
      el('dt', {}, 'Starts'), el('dd', {}, timeElement(silence.startsAt)),
      el('dt', {}, state === 'expired' ? 'Ended' : 'Ends'), el('dd', {}, timeElement(silence.endsAt)),
      el('dt', {}, 'Alerts'), el('dd', {class: 'am-silenced-count'}, matchedAlerts(silence, alerts)),
      el('dt', {}, 'ID'), el('dd', {}, el('code', {}, silence.id))),
    errorSlot);
}

// How many current alerts the silence mutes: the server's word for an
// active silence (silencedBy); for others, matched here, as what they would
// mute.
function matchedAlerts(silence, alerts) {
  if (!alerts) return el('span', {class: 'muted'}, 'unknown (the alerts could not be read)');
  const state = silence.status.state;
  const count = state === 'active'
    ? alerts.filter((alert) => ((alert.status && alert.status.silencedBy) || []).includes(silence.id)).length
    : alerts.filter((alert) => silenceMatches(silence, alert.labels || {})).length;
  const noun = `${count} alert${count === 1 ? '' : 's'}`;
  let text = `matches ${noun} firing now`;
  if (state === 'active') text = count ? `silences ${noun}` : 'silences no alerts';
  if (state === 'pending') text = `would silence ${noun} firing now`;
  if (!count) return text;
  const filter = `{${silence.matchers.map(formatMatcher).join(',')}}`;
  return el('a', {href: hashLink('alerts', {filter, silenced: 'true', inhibited: 'true'}), title: 'Show these alerts'}, text);
}

// Expiring asks first, inside the card rather than with a modal dialog,
// which would block the page (and browser automation) until answered.
function askToExpire(silence, button, errorSlot, reload) {
  const actions = button.parentElement;
  const question = el('div', {class: 'am-confirm', role: 'group', 'aria-label': 'Confirm expiry'},
    el('span', {}, 'Expire this silence now? Its alerts will notify again.'),
    el('button', {type: 'button', class: 'confirm-expire danger', onclick: (event) => expire(silence, event.currentTarget, errorSlot, reload)}, 'Expire now'),
    el('button', {type: 'button', class: 'cancel-expire', onclick: () => {
      question.remove();
      actions.hidden = false;
      button.focus();
    }}, 'Cancel'));
  actions.hidden = true;
  errorSlot.before(question);
  question.querySelector('.confirm-expire').focus();
}

async function expire(silence, button, errorSlot, reload) {
  button.disabled = true;
  clear(errorSlot);
  try {
    await amApi(`/api/v2/silence/${encodeURIComponent(silence.id)}`, {method: 'DELETE'});
    await reload();
  } catch (error) {
    button.disabled = false;
    errorSlot.append(errorBox(error, 'Cannot expire the silence'));
  }
}
