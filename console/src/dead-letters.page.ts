import { html } from './html.js';

export function DeadLettersPage() {
  return html`<section class="card">…</section>`;
}
