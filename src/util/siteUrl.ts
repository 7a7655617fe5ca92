// siteUrl.ts: the URL of a file the site serves from public/ (the corpus, the gallery), right at
// whatever path the site is deployed under. Browser-safe, no dependencies.
//
// vite.config.ts sets base './', so in the build Vite's BASE_URL is "./": relative to the site
// root, not to the page or worker that fetches. A worker's own URL is its chunk in assets/
// (vite.config.ts keeps every chunk there), so the site root is one folder up from the chunk.
// The dev server and vitest use base "/".

/**
 * @param path relative to the site root, e.g. "data/brown-v2/meta.json"
 * @param base Vite's BASE_URL
 * @param moduleUrl the URL of the bundled code asking (import.meta.url: a chunk in assets/ when built)
 */
export function siteUrl(path: string, base: string = import.meta.env?.BASE_URL ?? '/', moduleUrl: string = import.meta.url): string {
  if (path.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(path)) throw new Error(`siteUrl: "${path}" is not a path relative to the site root`);
  const relative = base === '' || base.startsWith('./');
  return new URL((relative ? base.replace(/^\.\//, '') : base) + path, relative ? new URL('../', moduleUrl) : moduleUrl).href;
}
