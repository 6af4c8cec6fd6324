import { html } from './html.js';

export function OwnersPage() {
  return html`<section class="card">…</section>`;
}
