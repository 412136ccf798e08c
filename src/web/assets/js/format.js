// Formatting of labels, numbers, times and durations as Prometheus shows them.

// A label value in double quotes, with the escapes PromQL and
// Alertmanager's matchers undo: "a \"b\"".
export function quoteValue(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

// Label pairs as `name="value"` texts, sorted by name, without `skip`.
export function labelPairs(labels, skip = []) {
  return Object.keys(labels || {}).filter((name) => !skip.includes(name)).sort()
    .map((name) => `${name}=${quoteValue(labels[name])}`);
}

// name{a="b", c="d"}: the series a metric object names.
export function seriesName(metric) {
  const inner = labelPairs(metric, ['__name__']).join(', ');
  const name = metric && metric.__name__ ? metric.__name__ : '';
  return inner || !name ? `${name}{${inner}}` : name;
}

// A sample value as Prometheus prints it: integers whole, others to 15
// significant digits, and NaN/±Inf by name.
export function formatValue(value) {
  const number = typeof value === 'number' ? value : parseFloat(value);
  if (Number.isNaN(number)) return 'NaN';
  if (number === Infinity) return '+Inf';
  if (number === -Infinity) return '-Inf';
  if (Number.isInteger(number)) return String(number);
  return String(parseFloat(number.toPrecision(15)));
}

// A short value for axes: 1.5k, 2M, 0.001.
export function formatShort(value) {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, unit] of units) if (abs >= size) return `${trim(value / size)}${unit}`;
  if (abs < 0.001) return value.toExponential(1);
  return trim(value);
}

function trim(value) {
  return String(parseFloat(value.toPrecision(3)));
}

// Seconds as Prometheus durations: 1h30m, 15s, 250ms.
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 1 && seconds > 0) return `${Math.round(seconds * 1000)}ms`;
  let rest = Math.round(seconds);
  if (rest === 0) return '0s';
  const parts = [];
  for (const [size, unit] of [[86400 * 7, 'w'], [86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

const DURATION_UNITS = {ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000};

// A Prometheus duration (1h30m, 15s) in seconds; null when it is not one.
export function parseDuration(text) {
  const trimmed = String(text || '').trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return parseFloat(trimmed);
  const pattern = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let seconds = 0;
  let match;
  let end = 0;
  while ((match = pattern.exec(trimmed)) !== null) {
    seconds += parseInt(match[1], 10) * DURATION_UNITS[match[2]];
    end = pattern.lastIndex;
  }
  return end === trimmed.length && end > 0 ? seconds : null;
}

// A time in ms as `2026-11-25 10:04:05 UTC` (or local time).
export function formatTime(ms, utc = true) {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const get = (what) => (utc ? date[`getUTC${what}`]() : date[`get${what}`]());
  return `${get('FullYear')}-${pad(get('Month') + 1)}-${pad(get('Date'))} ${pad(get('Hours'))}:${pad(get('Minutes'))}:${pad(get('Seconds'))}${utc ? ' UTC' : ''}`;
}

// How long ago an RFC 3339 time (or ms) was: `12s ago`, `never`.
export function formatAgo(time) {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms) || ms <= 0 || new Date(ms).getUTCFullYear() < 1971) return 'never';
  const seconds = (Date.now() - ms) / 1000;
  return seconds >= 0 ? `${formatDuration(seconds)} ago` : `in ${formatDuration(-seconds)}`;
}

export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

// A predicate for a search box: every word of `query` must occur in the
// text, which the caller gives in lower case; an empty query matches
// everything.
export function textMatcher(query) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  return (text) => words.every((word) => text.includes(word));
}

// A short duration in seconds, precise enough for scrapes and rule
// evaluations: 850µs, 12.3ms, 1.234s; longer ones as formatDuration does.
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds === 0) return '0s';
  if (seconds < 0.001) return `${parseFloat((seconds * 1e6).toPrecision(3))}µs`;
  if (seconds < 1) return `${parseFloat((seconds * 1000).toPrecision(3))}ms`;
  if (seconds < 60) return `${parseFloat(seconds.toFixed(3))}s`;
  return formatDuration(seconds);
}

// Whether a URL from the server (a target's, an alert's generator URL, an
// annotation) may become a link: web links only, never javascript: and the
// like.
export function isWebUrl(value) {
  return typeof value === 'string' && /^https?:\/\/\S+$/i.test(value);
}
