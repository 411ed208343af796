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

function copyButton({ text, label, title, testid, runId, compact, message }) {
  return h(
    'button',
    {
      type: 'button',
      class: compact ? 'copy compact' : 'copy',
      title,
      dataset: { testid, runId },
      onclick: async (event) => {
        event.stopPropagation();
        event.preventDefault();
        const button = event.currentTarget ?? event.target;
        const ok = await copyText(text);
        if (button) {
          button.classList.add('copied');
          setTimeout(() => button.classList.remove('copied'), 1500);
        }
        toast(ok ? message : text);
      },
    },
    label,
  );
}

/** The button that copies a run id, the hand-off to RUN_ID in .env.local. */
export function copyRunIdButton(runId, { compact = false } = {}) {
  return copyButton({
    text: runId,
    label: compact ? 'Copy ID' : 'Copy RUN_ID',
    title: `Copy RUN_ID ${runId}`,
    testid: 'copy-run-id',
    runId,
    compact,
    message: `Copied RUN_ID=${runId}: paste it into RUN_ID (.env.local) or run make promote RUN_ID=${runId}`,
  });
}

export const promoteCommand = (runId) => `make promote RUN_ID=${runId} env=local`;

/** The button that copies the command serving a run locally: the last step of choosing a model. */
export function copyPromoteButton(runId, { compact = false } = {}) {
  return copyButton({
    text: promoteCommand(runId),
    label: compact ? 'Copy promote' : 'Copy command',
    title: `Copy: ${promoteCommand(runId)}`,
    testid: 'copy-promote',
    runId,
    compact,
    message: `Copied: ${promoteCommand(runId)}`,
  });
}
