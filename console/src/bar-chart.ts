import { html } from './html.js';

export interface Series {
  label: string;
  /** CSS class of the bars: `bar`, `bar2`, `bar3`. */
  cls: string;
  values: (number | null)[];
}

/** Grouped bars as inline SVG: no chart library, nothing from a CDN, scales to its container. */
export function BarChart(props: { groups: string[]; series: Series[]; format?: (v: number) => string; id?: string }) {
  const { groups, series } = props;
  const fmt = props.format ?? ((v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1)));
  const width = 720;
  const height = 220;
  const left = 48;
  const bottom = 36;
  const top = 12;
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const slot = (width - left) / Math.max(1, groups.length);
  const barW = Math.max(2, Math.min(28, (slot * 0.8) / series.length));
  const y = (v: number): number => top + (height - top - bottom) * (1 - v / max);
  const ticks = [0, max / 2, max];
  return html`<div>
    <svg class="chart" id=${props.id} viewBox=${`0 0 ${width} ${height}`} role="img">
      ${ticks.map((tk) => html`<g><line x1=${left} x2=${width} y1=${y(tk)} y2=${y(tk)} stroke="#e3e6ea" /><text x=${left - 6} y=${y(tk) + 4} text-anchor="end">${fmt(tk)}</text></g>`)}
      ${groups.map((g, gi) => {
        const x0 = left + gi * slot + (slot - barW * series.length) / 2;
        return html`<g data-group=${g}>
          ${series.map((s, si) => {
            const v = s.values[gi] ?? 0;
            return html`<rect class=${s.cls} x=${x0 + si * barW} y=${y(v)} width=${barW - 1} height=${Math.max(0, height - bottom - y(v))} data-value=${v}><title>${`${s.label}: ${fmt(v)}`}</title></rect>`;
          })}
          <text x=${left + gi * slot + slot / 2} y=${height - bottom + 14} text-anchor="middle">${g.length > 12 ? `${g.slice(0, 11)}…` : g || '—'}</text>
        </g>`;
      })}
    </svg>
    <div class="legend">${series.map((s, i) => html`<span><i class=${`c${i + 1}`}></i>${s.label}</span>`)}</div>
  </div>`;
}
