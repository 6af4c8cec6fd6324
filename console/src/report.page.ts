import { html } from './html.js';

export function ReportPage() {
  return html`<section class="card">…</section>`;
}
