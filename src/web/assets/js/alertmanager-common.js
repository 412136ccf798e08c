// What the Alertmanager views share: matchers in Alertmanager's classic
// syntax (`name="value"`, `=~`, `!=`, `!~`), matching them in the browser,
// the matcher filter above lists, links between the views and times.

import {el, chip} from './dom.js';
import {formatAgo, formatTime, quoteValue} from './format.js';

export const OPERATORS = ['=', '!=', '=~', '!~'];

// The operator of an API v2 matcher ({name, value, isRegex, isEqual}); an
// absent isEqual means equal, as in the API.
export function operatorOf(matcher) {
  const equal = matcher.isEqual !== false;
  if (matcher.isRegex) return equal ? '=~' : '!~';
  return equal ? '=' : '!=';
}

// An API v2 matcher from a name, an operator and a value.
export function apiMatcher(name, operator, value) {
  return {name, value, isRegex: operator.endsWith('~'), isEqual: operator.startsWith('=')};
}

export function formatMatcher(matcher) {
  return `${matcher.name}${operatorOf(matcher)}${quoteValue(matcher.value)}`;
}

// `{a="b",c="d"}`: matchers equal to every label, e.g. to silence an alert.
export function labelsToFilter(labels) {
  const names = Object.keys(labels || {}).sort();
  return `{${names.map((name) => formatMatcher(apiMatcher(name, '=', labels[name]))).join(',')}}`;
}

// The matchers of `{a="b", c=~"d"}` (braces optional) as separate texts for
// the API's repeated `filter` parameter, which takes one matcher each. Commas
// inside double quotes do not separate, as in the server's parser.
export function splitMatchers(text) {
  let inner = String(text || '').trim();
  if (inner.startsWith('{')) inner = inner.slice(1);
  if (inner.endsWith('}')) inner = inner.slice(0, -1);
  const tokens = [];
  let token = '';
  let quoted = false;
  let escaped = false;
  for (const character of inner) {
    if (character === ',' && !quoted) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (character === '"' && !escaped) quoted = !quoted;
    escaped = character === '\\' && !escaped;
    token += character;
  }
  tokens.push(token);
  return tokens.map((t) => t.trim()).filter(Boolean);
}

// One `name op value` matcher as {name, operator, value}; null when the text
// does not have that shape. The server stays the judge of validity: this
// only prefills the silence form.
export function parseMatcher(text) {
  const match = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!=|!~|=)\s*(.*?)\s*$/s.exec(text);
  if (!match) return null;
  let value = match[3];
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1).replace(/\\(["n\\])/g, (_, c) => (c === 'n' ? '\n' : c));
  }
  return {name: match[1], operator: match[2], value};
}

// Whether an API v2 matcher accepts a label set; a missing label is the
// empty string and regular expressions are anchored, as on the server.
export function matcherMatches(matcher, labels) {
  const value = Object.prototype.hasOwnProperty.call(labels, matcher.name) ? labels[matcher.name] : '';
  let matched;
  if (matcher.isRegex) {
    try {
      matched = new RegExp(`^(?:${matcher.value})$`).test(value);
    } catch {
      return false;
    }
  } else {
    matched = value === matcher.value;
  }
  return matcher.isEqual === false ? !matched : matched;
}

export function silenceMatches(silence, labels) {
  return (silence.matchers || []).every((matcher) => matcherMatches(matcher, labels));
}

// Matchers as chips: name="value", name=~"regex", …
export function matcherChips(matchers) {
  return el('span', {class: 'labels'}, (matchers || []).map((matcher) => chip(matcher.name, operatorOf(matcher), matcher.value)));
}

// The filter bar above the alerts and the silences: a matcher input (its
// first control), more `controls` and a Filter button; `onsubmit` runs on
// Enter or the button.
export function matcherFilterForm(value, placeholder, controls, onsubmit) {
  const input = el('input', {
    type: 'search', class: 'am-filter mono', name: 'filter', value: value || '',
    placeholder, 'aria-label': 'Filter by matchers', spellcheck: 'false',
  });
  const form = el('form', {class: 'am-filter-bar', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    onsubmit();
  }}, input, controls, el('button', {type: 'submit', class: 'primary'}, 'Filter'));
  return {form, input};
}

// A hash link to a view: hashLink('silences/new', {filter: '{a="b"}'}).
export function hashLink(path, params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const query = search.toString();
  return `#/${path}${query ? `?${query}` : ''}`;
}

// An API time as `2026-11-25 10:04:05 UTC (3m ago)`.
function timeText(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return `${formatTime(ms)} (${formatAgo(ms)})`;
}

export function timeElement(iso) {
  return el('time', {datetime: iso, title: iso}, timeText(iso));
}

// A regular expression that matches exactly the text, for the API's
// `receiver` parameter, which is a regular expression.
export function exactRegex(text) {
  return String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
