/* global document, window */
import { h } from './dom.js';

/** Copies text: the Clipboard API where the page is a secure context, else a hidden textarea, else a prompt. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: try the older way below.
    }
  }
  const area = h('textarea', { readonly: true, style: 'position:fixed;top:-1000px;opacity:0' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  if (!ok) window.prompt('Copy the RUN_ID:', text);
  return ok;
}

let toastTimer;

export function toast(message) {
  let el = document.querySelector('[data-testid=toast]');
  if (!el) {
    el = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', dataset: { testid: 'toast' } });
    document.body.append(el);
  }
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 3500);
}

/** The button that copies a run id, the hand-off to RUN_ID in .env.local. */
export function copyRunIdButton(runId, { compact = false } = {}) {
  return h(
    'button',
    {
      type: 'button',
      class: compact ? 'copy compact' : 'copy',
      title: `Copy RUN_ID ${runId}`,
      dataset: { testid: 'copy-run-id', runId },
      onclick: async (event) => {
        event.stopPropagation();
        event.preventDefault();
        const ok = await copyText(runId);
        const button = event.currentTarget ?? event.target;
        if (button) {
          button.classList.add('copied');
          setTimeout(() => button.classList.remove('copied'), 1500);
        }
        toast(ok ? `Copied RUN_ID=${runId}: paste it into RUN_ID (.env.local) or run make promote RUN_ID=${runId}` : `RUN_ID=${runId}`);
      },
    },
    compact ? 'Copy ID' : 'Copy RUN_ID',
  );
}
