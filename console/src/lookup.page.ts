import { html } from './html.js';

export function LookupPage() {
  return html`<section class="card">…</section>`;
}
