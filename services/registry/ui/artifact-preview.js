import { h } from './dom.js';

// Browsers render these natively; anything else that is not text only gets the download link.
const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;
const TEXT = /(^|\/)(MLmodel|requirements\.txt|conda\.yaml|python_env\.yaml|[^/.]+)$|\.(txt|json|ya?ml|md|csv|log|py|html?|toml|ini|cfg)$/i;
// Past this the preview would stall the page; the download link still has the whole file.
const MAX_PREVIEW_BYTES = 512 * 1024;

/** A preview of one artifact: the image, the JSON pretty-printed, or the text as is. */
export async function artifactPreview(path, href, size) {
  if (IMAGE.test(path)) return h('img', { src: href, alt: path, class: 'preview-image', dataset: { testid: 'preview-image' } });
  if (!TEXT.test(path)) return h('p', { class: 'muted' }, 'No preview for this kind of file: download it.');
  if (size > MAX_PREVIEW_BYTES) return h('p', { class: 'muted' }, 'Too large to preview here: download it.');
  const response = await fetch(href);
  if (!response.ok) return h('p', { class: 'error' }, `Could not read ${path}: HTTP ${response.status}`);
  const text = await response.text();
  return h('pre', { class: 'preview-text', dataset: { testid: 'preview-text' } }, /\.json$/i.test(path) ? prettyJson(text) : text);
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
