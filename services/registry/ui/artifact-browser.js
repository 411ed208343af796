import { api, artifactHref } from './api.js';
import { errorBox, formatBytes, h } from './dom.js';
import { artifactPreview } from './artifact-preview.js';

/** A run's artifact tree, folders opened on demand, with a preview pane for the chosen file. */
export async function artifactBrowser(run) {
  const preview = h('div', { class: 'preview', dataset: { testid: 'artifact-preview' }, 'aria-live': 'polite' });
  const list = h('ul', { class: 'tree' });
  await fillDir(run, '', list, preview);
  if (!list.childElementCount) return h('div', { class: 'artifacts', dataset: { testid: 'artifact-browser' } }, h('p', { class: 'muted', dataset: { testid: 'artifacts-empty' } }, 'No artifacts.'));
  return h('div', { class: 'artifacts', dataset: { testid: 'artifact-browser' } }, list, preview);
}

async function fillDir(run, path, list, preview) {
  const { files = [] } = await api.listArtifacts(run.info.run_id, path || undefined);
  files.sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
  for (const f of files) {
    const name = f.path.split('/').pop();
    if (f.is_dir) {
      const children = h('ul', { class: 'tree', hidden: true });
      let loaded = false;
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'dir',
          'aria-expanded': 'false',
          dataset: { testid: 'artifact-dir', path: f.path },
          onclick: async () => {
            const open = children.hidden;
            children.hidden = !open;
            toggle.setAttribute('aria-expanded', String(open));
            toggle.classList.toggle('open', open);
            if (open && !loaded) {
              loaded = true;
              await fillDir(run, f.path, children, preview).catch((error) => children.append(h('li', {}, errorBox(error))));
            }
          },
        },
        `${name}/`,
      );
      list.append(h('li', { dataset: { testid: 'artifact-entry', path: f.path } }, toggle, children));
    } else {
      const href = artifactHref(run.info.artifact_uri, f.path);
      const show = async () => preview.replaceChildren(h('h3', { class: 'mono' }, f.path), await artifactPreview(f.path, href, Number(f.file_size ?? 0)));
      list.append(
        h(
          'li',
          { dataset: { testid: 'artifact-entry', path: f.path } },
          href ? h('button', { type: 'button', class: 'file', dataset: { testid: 'artifact-open', path: f.path }, onclick: show }, name) : name,
          href ? h('a', { href, download: name, class: 'download', 'aria-label': `Download ${f.path}`, dataset: { testid: 'artifact-download', path: f.path } }, '⬇') : null,
          h('span', { class: 'muted size' }, formatBytes(f.file_size)),
        ),
      );
    }
  }
}
