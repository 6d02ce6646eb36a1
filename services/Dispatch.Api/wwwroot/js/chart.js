// A small line chart in SVG for day-by-day series (the evaluation's trend, the wall screen's today and yesterday):
// a few dozen points need no charting library. The same numbers are always also given as a table for screen readers.
import { escape } from './common.js';

const NS = 'http://www.w3.org/2000/svg';

/**
 * Draws series ([{name, values}]) over labels (the x axis) into the container, with a legend list after it.
 * Colours come from the stylesheet (.series-0 …), so the chart follows the page's theme.
 */
export function lineChart(container, labels, series, { title = '' } = {}) {
  const width = Math.max(320, Math.round(container.clientWidth || 1000));
  const height = Math.max(220, Math.round(Math.min(width * 0.25, 360)));
  const pad = { left: 48, right: 16, top: 12, bottom: 28 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const x = (i) => pad.left + (labels.length <= 1 ? 0 : (i * (width - pad.left - pad.right)) / (labels.length - 1));
  const y = (v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const parts = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  const every = Math.max(1, Math.ceil(labels.length / 10));
  labels.forEach((label, i) => {
    if (i % every === 0 || i === labels.length - 1)
      parts.push(`<text x="${x(i)}" y="${height - 8}" text-anchor="middle">${escape(label)}</text>`);
  });
  series.forEach((s, k) => {
    const d = s.values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<path class="series-${k}" d="${d}"/>`);
  });
  svg.innerHTML = parts.join('');
  const legend = document.createElement('ul');
  legend.className = 'chart-legend';
  legend.setAttribute('aria-hidden', 'true');
  legend.innerHTML = series.map((s, k) => `<li><i class="series-${k}"></i>${escape(s.name)}</li>`).join('');
  const plot = document.createElement('div');
  plot.className = 'chart-plot';
  plot.append(svg);
  container.replaceChildren(plot, legend);
}

/** 1, 2 or 5 times a power of ten, giving about five grid lines. */
function niceStep(max) {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
}
