/* global window, history */
// A view's state lives in the hash's query (#/experiments/1?order=...&cols=...), so a reload or a
// shared link shows the same columns, sort and filter.

/** Splits the current hash into its route path and its query. */
export function currentHash() {
  const hash = window.location.hash || '#/';
  const at = hash.indexOf('?');
  return at < 0 ? { path: hash, query: new URLSearchParams() } : { path: hash.slice(0, at), query: new URLSearchParams(hash.slice(at + 1)) };
}

/** Rewrites the hash's query without a hashchange, so the view is not rebuilt. */
export function replaceQuery(values) {
  const { path } = currentHash();
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}${path}${text ? `?${text}` : ''}`);
}
