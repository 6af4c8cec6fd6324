import { html } from './html.js';

export function ConnectorsPage() {
  return html`<section class="card">…</section>`;
}
