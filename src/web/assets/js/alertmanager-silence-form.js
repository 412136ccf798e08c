// The silence form: new (optionally prefilled from `?filter={a="b",…}`, as
// an alert's "Silence" button links), edit (`#/silences/<id>/edit`, posted
// with the silence's id) and recreate (`#/silences/<id>/recreate`: its
// matchers and comment, from now on for the default duration). The server
// validates; its message is shown as it is.

import {amApi} from './api.js';
import {el, clear, errorBox, emptyBox, loadingBox, labelChips, badge, heading} from './dom.js';
import {formatDuration, parseDuration} from './format.js';
import {OPERATORS, apiMatcher, formatMatcher, hashLink, operatorOf, parseMatcher, splitMatchers} from './alertmanager-common.js';

const CREATOR_KEY = 'sonde.alertmanager.creator';
const DEFAULT_DURATION = '2h';

export async function render(root, context) {
  const {signal, silenceId, mode} = context;
  root.append(heading(context.title));
  let silence = null;
  if (silenceId) {
    const waiting = loadingBox('Loading the silence…');
    root.append(waiting);
    try {
      silence = await amApi(`/api/v2/silence/${encodeURIComponent(silenceId)}`, {signal});
    } catch (error) {
      if (error.name === 'AbortError') return;
      waiting.replaceWith(errorBox(error, `Cannot load the silence ${silenceId}`));
      return;
    }
    waiting.remove();
  }
  root.append(silenceForm(initialValues(silence, mode, context.params), signal));
}

// What the form starts with, for each way of opening it.
function initialValues(silence, mode, params) {
  const now = Math.floor(Date.now() / 1000) * 1000;
  if (!silence) {
    const matchers = splitMatchers(params.get('filter') || '').map(parseMatcher).filter(Boolean);
    return {matchers, start: now, duration: DEFAULT_DURATION, creator: storedCreator(), comment: ''};
  }
  const matchers = silence.matchers.map((m) => ({name: m.name, operator: operatorOf(m), value: m.value}));
  if (mode === 'edit') {
    const start = Date.parse(silence.startsAt);
    const end = Date.parse(silence.endsAt);
    const length = formatDuration(Math.max(0, (end - start) / 1000));
    return {id: silence.id, matchers, start, end, duration: length, creator: silence.createdBy, comment: silence.comment};
  }
  // Recreating starts afresh with the default length: an expired silence's
  // own length is often cut short by its expiry.
  return {matchers, start: now, duration: DEFAULT_DURATION, creator: storedCreator() || silence.createdBy, comment: silence.comment};
}

function storedCreator() {
  try {
    return localStorage.getItem(CREATOR_KEY) || '';
  } catch {
    return '';
  }
}

// 2026-11-25T10:04:05Z: an API time a person can read and edit, with the
// milliseconds only when there are some, so that editing keeps a time exact.
function isoText(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.000Z$/, 'Z') : '';
}

function matcherRow(matcher = {name: '', operator: '=', value: ''}, onRemove) {
  const operator = el('select', {class: 'matcher-op', 'aria-label': 'Operator'},
    OPERATORS.map((op) => el('option', {value: op}, op)));
  operator.value = matcher.operator;
  const row = el('div', {class: 'matcher-row'},
    el('input', {class: 'matcher-name mono', value: matcher.name, placeholder: 'label name', 'aria-label': 'Label name', spellcheck: 'false'}),
    operator,
    el('input', {class: 'matcher-value mono', value: matcher.value, placeholder: 'value', 'aria-label': 'Value', spellcheck: 'false'}),
    el('button', {type: 'button', class: 'remove-matcher ghost', title: 'Remove this matcher', 'aria-label': 'Remove this matcher',
      onclick: () => onRemove(row)}, '×'));
  return row;
}

function field(label, control, hint) {
  return el('label', {class: 'am-field'}, el('span', {class: 'am-field-label'}, label), control,
    hint ? el('span', {class: 'am-hint muted'}, hint) : null);
}

function silenceForm(initial, signal) {
  const rows = el('div', {class: 'matcher-rows'});
  const removeRow = (row) => {
    row.remove();
    if (!rows.children.length) rows.append(matcherRow(undefined, removeRow));
  };
  for (const matcher of initial.matchers.length ? initial.matchers : [undefined]) rows.append(matcherRow(matcher, removeRow));

  const start = el('input', {id: 'silence-start', class: 'mono', value: isoText(initial.start), spellcheck: 'false'});
  const duration = el('input', {id: 'silence-duration', class: 'mono', value: initial.duration, spellcheck: 'false'});
  const end = el('input', {id: 'silence-end', class: 'mono', spellcheck: 'false'});
  const creator = el('input', {id: 'silence-creator', value: initial.creator || '', autocomplete: 'username'});
  const comment = el('textarea', {id: 'silence-comment', rows: 3, required: true, text: initial.comment || ''});
  const formError = el('div', {class: 'form-error'});
  const preview = el('div', {class: 'am-preview'});
  let previews = 0;

  // The end follows the start and the duration; editing the end sets the
  // duration instead.
  const syncEnd = () => {
    const from = Date.parse(start.value);
    const seconds = parseDuration(duration.value);
    start.setAttribute('aria-invalid', String(!Number.isFinite(from)));
    duration.setAttribute('aria-invalid', String(seconds === null || seconds <= 0));
    if (Number.isFinite(from) && seconds !== null && seconds > 0) end.value = isoText(from + seconds * 1000);
  };
  const syncDuration = () => {
    const from = Date.parse(start.value);
    const to = Date.parse(end.value);
    const valid = Number.isFinite(to) && Number.isFinite(from) && to > from;
    end.setAttribute('aria-invalid', String(!valid));
    if (valid) duration.value = formatDuration((to - from) / 1000);
  };
  start.addEventListener('input', syncEnd);
  duration.addEventListener('input', syncEnd);
  end.addEventListener('input', syncDuration);
  if (initial.end !== undefined) end.value = isoText(initial.end);
  else syncEnd();

  const form = el('form', {id: 'silence-form', class: 'am-silence-form', novalidate: true},
    initial.id ? el('p', {class: 'muted'}, 'Editing silence ', el('code', {}, initial.id)) : null,
    el('fieldset', {class: 'am-matchers'},
      el('legend', {}, 'Matchers'),
      el('p', {class: 'am-hint muted'}, 'Alerts whose labels satisfy every matcher are silenced. =~ and !~ take regular expressions that must match the whole value.'),
      rows,
      el('button', {type: 'button', class: 'add-matcher', onclick: () => {
        const row = matcherRow(undefined, removeRow);
        rows.append(row);
        row.querySelector('.matcher-name').focus();
      }}, '+ Add matcher')),
    el('div', {class: 'am-times'},
      field('Start', start, 'RFC 3339, UTC'),
      field('Duration', duration, 'e.g. 2h, 1d, 30m'),
      field('End', end, 'RFC 3339, UTC')),
    field('Creator', creator),
    field('Comment', comment, 'Required: why these alerts are silenced'),
    formError,
    el('div', {class: 'am-form-actions'},
      el('button', {type: 'submit', class: 'primary'}, initial.id ? 'Save silence' : 'Create silence'),
      el('button', {type: 'button', class: 'preview', onclick: () => {
        // A new preview supersedes the one still loading.
        previews += 1;
        const mine = previews;
        showPreview(rows, preview, formError, signal, () => mine === previews);
      }}, 'Preview alerts'),
      el('a', {class: 'button-link', href: '#/silences'}, 'Cancel')),
    preview);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(formError);
    const built = buildSilence(rows, {start, end, creator, comment}, initial.id);
    if (built.problem) {
      formError.append(errorBox(built.problem));
      return;
    }
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const answer = await amApi('/api/v2/silences', {method: 'POST', body: built.silence, signal});
      try {
        localStorage.setItem(CREATOR_KEY, built.silence.createdBy);
      } catch {
        // Storage may be off (private windows); remembering is a nicety.
      }
      location.hash = hashLink('silences', {highlight: answer && answer.silenceID});
    } catch (error) {
      if (error.name === 'AbortError') return;
      submit.disabled = false;
      formError.append(errorBox(error, 'The silence was not saved'));
    }
  });
  return form;
}

// The API v2 matchers of the rows; blank rows are left out.
function collectMatchers(rows) {
  const matchers = [];
  for (const row of rows.querySelectorAll('.matcher-row')) {
    const name = row.querySelector('.matcher-name').value.trim();
    const value = row.querySelector('.matcher-value').value;
    if (!name && !value) continue;
    matchers.push(apiMatcher(name, row.querySelector('.matcher-op').value, value));
  }
  return matchers;
}

// The postable silence, or the first problem a person should fix; the
// server checks the rest (label names, regular expressions, times).
function buildSilence(rows, inputs, id) {
  const matchers = collectMatchers(rows);
  if (!matchers.length) return {problem: 'Add at least one matcher.'};
  const unnamed = matchers.findIndex((matcher) => !matcher.name);
  if (unnamed >= 0) return {problem: `Matcher ${unnamed + 1} needs a label name.`};
  const startsAt = Date.parse(inputs.start.value);
  const endsAt = Date.parse(inputs.end.value);
  if (!Number.isFinite(startsAt)) return {problem: `The start "${inputs.start.value}" is not a time (e.g. 2026-01-31T12:00:00Z).`};
  if (!Number.isFinite(endsAt)) return {problem: `The end "${inputs.end.value}" is not a time; set it or a duration.`};
  const comment = inputs.comment.value.trim();
  if (!comment) return {problem: 'A comment is required: say why the alerts are silenced.'};
  const silence = {
    matchers,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdBy: inputs.creator.value.trim(),
    comment,
  };
  if (id) silence.id = id;
  return {silence};
}

// The alerts the matchers select now, silenced and inhibited ones included.
// `current()` says whether this preview is still the latest.
async function showPreview(rows, preview, formError, signal, current) {
  clear(formError);
  const matchers = collectMatchers(rows);
  if (!matchers.length) {
    clear(preview).append(emptyBox('Add a matcher to see the alerts it selects.'));
    return;
  }
  clear(preview).append(loadingBox('Finding the matching alerts…'));
  try {
    const alerts = await amApi('/api/v2/alerts', {signal, params: {filter: matchers.map(formatMatcher)}});
    if (!current()) return;
    clear(preview).append(
      el('h2', {}, `${alerts.length} alert${alerts.length === 1 ? '' : 's'} match${alerts.length === 1 ? 'es' : ''} now`),
      alerts.length
        ? el('ul', {class: 'am-preview-list'}, alerts.map((alert) => el('li', {class: 'am-preview-alert', dataset: {fingerprint: alert.fingerprint}},
          badge(alert.status.state, alert.status.state === 'active' ? 'firing' : alert.status.state), labelChips(alert.labels))))
        : emptyBox('No alerts match these matchers now.'));
  } catch (error) {
    if (error.name !== 'AbortError' && current()) clear(preview).append(errorBox(error, 'Cannot preview'));
  }
}
