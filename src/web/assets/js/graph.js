// A hand-made SVG line chart of a range query's matrix: time and value axes,
// gridlines, one path per series (broken where a step has no sample),
// optional stacking, a legend that isolates a series on click, and a hover
// crosshair with a tooltip for the nearest series.

import {el, svg, clear} from './dom.js';
import {seriesName, formatShort, formatValue, formatTime} from './format.js';

const HEIGHT = 320;
const MARGIN = {top: 10, right: 16, bottom: 28};

// Mid-tone colours with at least 3:1 contrast (for lines) on both the light
// and the dark background.
const PALETTE = ['#3b82f6', '#d97706', '#059669', '#ef4444', '#8b5cf6', '#0891b2',
  '#ec4899', '#65a30d', '#ea580c', '#0d9488', '#a855f7', '#b58900'];

export function seriesColour(index) {
  if (index < PALETTE.length) return PALETTE[index];
  // Beyond the palette, spread hues by the golden angle at one perceived
  // lightness (OKLCH 60%), which keeps that contrast for every hue.
  return oklchHex(0.6, 0.12, (index * 137.508) % 360);
}

// An OKLCH colour as sRGB hex, clipped to the sRGB gamut.
function oklchHex(lightness, chroma, hue) {
  const a = chroma * Math.cos((hue * Math.PI) / 180);
  const b = chroma * Math.sin((hue * Math.PI) / 180);
  const l = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (lightness - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const linear = [4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s];
  return `#${linear.map((v) => {
    const c = Math.min(1, Math.max(0, v));
    const encoded = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
    return Math.round(encoded * 255).toString(16).padStart(2, '0');
  }).join('')}`;
}

// Draws `matrix` (the API's result) into `container`; start and end in ms,
// step in seconds. Returns {setStacked(bool)}; the chart follows the
// container's width until `signal` aborts.
export function renderGraph(container, {matrix, start, end, step, stacked}, signal) {
  const stepMs = step * 1000;
  const count = Math.max(1, Math.floor((end - start) / stepMs) + 1);
  const series = matrix.map((item, index) => ({
    name: seriesName(item.metric),
    colour: seriesColour(index),
    values: onGrid(item.values || [], start, stepMs, count),
  }));
  const state = {stacked: Boolean(stacked), only: null};
  const area = el('div', {class: 'graph-area'});
  const tooltip = el('div', {class: 'graph-tooltip', hidden: true});
  const legend = el('div', {class: 'legend'});
  clear(container).append(el('div', {class: 'graph-wrap'}, area, legend));

  let width = 0;
  const draw = () => {
    width = Math.max(300, area.clientWidth || container.clientWidth || 800);
    const visible = series.filter((_, i) => state.only === null || state.only === i);
    const layout = layoutOf(visible, state.stacked, {start, end, stepMs, count, width});
    area.replaceChildren(chart(layout), tooltip);
    tooltip.hidden = true;
  };
  const drawLegend = () => {
    legend.replaceChildren(...series.map((s, i) => el('button', {
      type: 'button',
      class: `legend-item${state.only !== null && state.only !== i ? ' dimmed' : ''}${state.only === i ? ' selected' : ''}`,
      dataset: {series: s.name},
      title: 'Click to show only this series; click again to show all',
      'aria-pressed': String(state.only === i),
      onclick: () => {
        state.only = state.only === i ? null : i;
        drawLegend();
        draw();
      },
    }, el('span', {class: 'swatch', style: {background: s.colour}}), el('span', {class: 'legend-label'}, s.name))));
  };
  drawLegend();
  draw();

  // Redraw when the panel's width changes (window resize, layout changes).
  const observer = new ResizeObserver(() => {
    if (Math.abs((area.clientWidth || 0) - width) > 1) requestAnimationFrame(draw);
  });
  observer.observe(area);
  signal.addEventListener('abort', () => observer.disconnect(), {once: true});

  function chart(layout) {
    const {plot} = layout;
    const root = svg('svg', {class: 'graph', width: layout.width, height: HEIGHT,
      viewBox: `0 0 ${layout.width} ${HEIGHT}`, role: 'img', 'aria-label': 'graph of the query result'});
    const grid = svg('g', {class: 'grid'});
    for (const tick of layout.yTicks) {
      const y = layout.y(tick).toFixed(1);
      grid.append(svg('line', {x1: plot.left, x2: plot.right, y1: y, y2: y}),
        svg('text', {class: 'tick y', x: plot.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle'}, formatShort(tick)));
    }
    for (const tick of layout.xTicks) {
      const x = layout.x(tick.t).toFixed(1);
      grid.append(svg('line', {x1: x, x2: x, y1: plot.top, y2: plot.bottom}),
        svg('text', {class: 'tick x', x, y: plot.bottom + 18, 'text-anchor': 'middle'}, tick.label));
    }
    root.append(grid, svg('rect', {class: 'frame', x: plot.left, y: plot.top, width: plot.right - plot.left, height: plot.bottom - plot.top}));
    const lines = svg('g', {class: 'series-group'});
    for (const s of layout.series) {
      if (s.area) lines.append(svg('path', {class: 'series-area', d: s.area, fill: s.colour}));
      lines.append(svg('path', {class: 'series', d: s.line.d, stroke: s.colour, 'data-series': s.name}));
      for (const [cx, cy] of s.line.lone) lines.append(svg('circle', {class: 'series-point', cx, cy, r: 2.5, fill: s.colour}));
    }
    const crosshair = svg('line', {class: 'crosshair', y1: plot.top, y2: plot.bottom, visibility: 'hidden'});
    const dot = svg('circle', {class: 'hover-dot', r: 4, visibility: 'hidden'});
    root.append(lines, crosshair, dot);
    root.addEventListener('mousemove', (event) => hover(event, layout, root, crosshair, dot));
    root.addEventListener('mouseleave', () => {
      crosshair.setAttribute('visibility', 'hidden');
      dot.setAttribute('visibility', 'hidden');
      tooltip.hidden = true;
    });
    return root;
  }

  function hover(event, layout, root, crosshair, dot) {
    const box = root.getBoundingClientRect();
    const mx = event.clientX - box.left;
    const my = event.clientY - box.top;
    const {plot} = layout;
    if (mx < plot.left || mx > plot.right || my < plot.top || my > plot.bottom) {
      crosshair.setAttribute('visibility', 'hidden');
      dot.setAttribute('visibility', 'hidden');
      tooltip.hidden = true;
      return;
    }
    const k = Math.min(count - 1, Math.max(0, Math.round(layout.index(mx))));
    const t = start + k * stepMs;
    const x = layout.x(t);
    crosshair.setAttribute('x1', x);
    crosshair.setAttribute('x2', x);
    crosshair.setAttribute('visibility', 'visible');
    let nearest = null;
    for (const s of layout.series) {
      if (s.values[k] === null) continue;
      const y = layout.y(s.tops[k]);
      if (!Number.isFinite(y)) continue;
      if (!nearest || Math.abs(y - my) < Math.abs(nearest.y - my)) nearest = {s, y};
    }
    // UTC, as the axis and the time inputs, and local time where it differs.
    const local = new Date(t).getTimezoneOffset() ? el('span', {class: 'muted'}, ` (${formatTime(t, false)} local)`) : null;
    const time = el('div', {class: 'tooltip-time'}, formatTime(t), local);
    if (nearest) {
      dot.setAttribute('cx', x);
      dot.setAttribute('cy', nearest.y);
      dot.setAttribute('fill', nearest.s.colour);
      dot.setAttribute('visibility', 'visible');
      tooltip.replaceChildren(time, el('div', {class: 'tooltip-series'},
        el('span', {class: 'swatch', style: {background: nearest.s.colour}}),
        el('span', {class: 'tooltip-name'}, nearest.s.name)),
      el('div', {class: 'tooltip-value'}, 'value: ', el('b', {}, formatValue(nearest.s.raw[k]))));
    } else {
      dot.setAttribute('visibility', 'hidden');
      tooltip.replaceChildren(time, el('div', {class: 'muted'}, 'no value at this time'));
    }
    tooltip.hidden = false;
    // Keep the tooltip inside the chart: flip it to the left near the right edge.
    const left = mx + 14 + tooltip.offsetWidth > layout.width ? mx - 14 - tooltip.offsetWidth : mx + 14;
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${Math.max(0, Math.min(my + 12, HEIGHT - tooltip.offsetHeight))}px`;
  }

  return {
    setStacked(value) {
      state.stacked = Boolean(value);
      draw();
    },
  };
}

// The samples of one series on the step grid: raw strings and plottable
// numbers (null where a step has no sample or the value is NaN or ±Inf).
function onGrid(values, start, stepMs, count) {
  const raw = new Array(count).fill(null);
  for (const [t, v] of values) {
    const k = Math.round((t * 1000 - start) / stepMs);
    if (k >= 0 && k < count) raw[k] = v;
  }
  const numbers = raw.map((v) => {
    const n = v === null ? NaN : parseFloat(v);
    return Number.isFinite(n) ? n : null;
  });
  return {raw, numbers};
}

// Scales, ticks and path data for the visible series at a given width.
function layoutOf(visible, stacked, {start, end, stepMs, count, width}) {
  const base = new Array(count).fill(0);
  const drawn = visible.map((s) => {
    const bottoms = base.slice();
    const tops = s.values.numbers.map((v, k) => (v === null ? null : (stacked ? base[k] + v : v)));
    if (stacked) tops.forEach((top, k) => { if (top !== null) base[k] = top; });
    return {name: s.name, colour: s.colour, raw: s.values.raw, values: s.values.numbers, tops, bottoms};
  });
  let min = Infinity;
  let max = -Infinity;
  for (const s of drawn) {
    for (const top of s.tops) {
      if (top === null) continue;
      min = Math.min(min, top);
      max = Math.max(max, top);
    }
  }
  if (stacked) min = Math.min(min, 0);
  if (min === Infinity) [min, max] = [0, 1];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  const y0 = niceTicks(min, max, Math.max(2, Math.floor((HEIGHT - MARGIN.top - MARGIN.bottom) / 45)));
  const labelWidth = Math.max(...y0.ticks.map((t) => formatShort(t).length)) * 7 + 14;
  const plot = {left: Math.max(40, labelWidth), right: width - MARGIN.right, top: MARGIN.top, bottom: HEIGHT - MARGIN.bottom};
  const span = Math.max(end - start, 1);
  const x = (t) => plot.left + ((t - start) / span) * (plot.right - plot.left);
  const y = (v) => plot.bottom - ((v - y0.min) / (y0.max - y0.min)) * (plot.bottom - plot.top);
  const index = (px) => ((px - plot.left) / (plot.right - plot.left)) * span / stepMs;
  const point = (k, v) => `${x(start + k * stepMs).toFixed(1)},${y(v).toFixed(1)}`;
  const series = drawn.map((s) => ({
    ...s,
    line: linePath(s.tops, point),
    area: stacked ? areaPath(s.values, s.tops, s.bottoms, point) : null,
  }));
  return {width, plot, x, y, index, series, yTicks: y0.ticks, xTicks: timeTicks(start, end, plot.right - plot.left)};
}

// A path through the non-null values, broken where a step has none, and
// the lone samples (no neighbour to draw a line to), which get a dot.
function linePath(values, point) {
  let d = '';
  const lone = [];
  values.forEach((v, k) => {
    if (v === null) return;
    const joined = k > 0 && values[k - 1] !== null;
    d += `${joined ? 'L' : 'M'}${point(k, v)}`;
    if (!joined && (k + 1 >= values.length || values[k + 1] === null)) lone.push(point(k, v).split(','));
  });
  return {d, lone};
}

// Closed areas between a stacked series' tops and the sum below it, one per
// run of consecutive samples.
function areaPath(values, tops, bottoms, point) {
  let d = '';
  let runStart = -1;
  const close = (last) => {
    if (runStart < 0) return;
    for (let k = runStart; k <= last; k++) d += `${k === runStart ? 'M' : 'L'}${point(k, tops[k])}`;
    for (let k = last; k >= runStart; k--) d += `L${point(k, bottoms[k])}`;
    d += 'Z';
    runStart = -1;
  };
  values.forEach((v, k) => {
    if (v === null) close(k - 1);
    else if (runStart < 0) runStart = k;
  });
  close(values.length - 1);
  return d;
}

// Round value ticks (1, 2, 2.5, 5 × 10^n) covering [min, max].
function niceTicks(min, max, wanted) {
  const rough = (max - min) / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) || rough;
  const first = Math.floor(min / step) * step;
  const last = Math.ceil(max / step) * step;
  const ticks = [];
  for (let i = 0; first + i * step <= last + step / 1e6; i++) ticks.push(parseFloat((first + i * step).toPrecision(12)));
  return {min: first, max: last, ticks};
}

const SECOND = 1000;
const TIME_INTERVALS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
  21600, 43200, 86400, 172800, 604800, 1209600, 2592000].map((s) => s * SECOND);

// Time ticks on round UTC times (whole minutes, hours, days), labelled with
// the date where the day changes: UTC like the panel's time inputs, so that
// an end time typed in reads the same on the axis.
function timeTicks(start, end, plotWidth) {
  const most = Math.max(2, Math.floor(plotWidth / 100));
  const interval = TIME_INTERVALS.find((i) => (end - start) / i <= most) || TIME_INTERVALS[TIME_INTERVALS.length - 1];
  const ticks = [];
  const manyDays = utcDay(start) !== utcDay(end);
  let previous = null;
  for (let t = Math.ceil(start / interval) * interval; t <= end; t += interval) {
    ticks.push({t, label: timeLabel(t, interval, previous, manyDays)});
    previous = t;
  }
  return ticks;
}

function utcDay(t) {
  return Math.floor(t / (86400 * SECOND));
}

function timeLabel(t, interval, previous, manyDays) {
  const pad = (n) => String(n).padStart(2, '0');
  const date = new Date(t);
  const day = `${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (interval >= 86400 * SECOND) return day;
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${interval < 60 * SECOND ? `:${pad(date.getUTCSeconds())}` : ''}`;
  const newDay = previous === null ? manyDays : utcDay(previous) !== utcDay(t);
  return newDay ? `${day} ${clock}` : clock;
}
