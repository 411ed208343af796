/* global document, window */
import { compareView } from './compare-view.js';
import { errorBox, h } from './dom.js';
import { experimentsView } from './experiments-view.js';
import { modelView } from './model-view.js';
import { modelsView } from './models-view.js';
import { runView } from './run-view.js';
import { runsView } from './runs-view.js';
import { currentHash } from './url-state.js';

const main = document.getElementById('main');

// ------------------------------------------------------------------ routing

const routes = [
  [/^#?\/?$/, () => experimentsView()],
  [/^#\/experiments\/?$/, () => experimentsView()],
  [/^#\/experiments\/([^/]+)\/?$/, (id, query) => runsView(id, query)],
  [/^#\/runs\/([^/]+)\/?$/, (id) => runView(id)],
  [/^#\/compare\/?$/, (query) => compareView(query)],
  [/^#\/models\/?$/, () => modelsView()],
  [/^#\/models\/(.+)$/, (name) => modelView(name)],
];

let renderId = 0;

async function render() {
  const { path: hash, query } = currentHash();
  const id = ++renderId;
  for (const link of document.querySelectorAll('.topbar nav a')) link.classList.toggle('active', hash.startsWith(link.getAttribute('href')) || (hash === '#/' && link.dataset.testid === 'nav-experiments'));
  const found = routes.map(([re, view]) => [re.exec(hash), view]).find(([m]) => m);
  main.replaceChildren(h('p', { class: 'muted', dataset: { testid: 'loading' } }, 'Loading…'));
  try {
    const view = found ? await found[1](...found[0].slice(1).map(decodeURIComponent), query) : notFoundView();
    if (id === renderId) {
      main.replaceChildren(view);
      focusHeading();
    }
  } catch (error) {
    if (id === renderId) main.replaceChildren(errorBox(error));
  }
}

// A screen reader announces the new page, and Tab continues from its top, not from the link left behind.
function focusHeading() {
  const heading = main.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
}

window.addEventListener('hashchange', render);
render();

function notFoundView() {
  return h('div', {}, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to experiments')));
}
