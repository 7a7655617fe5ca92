import { describe, expect, it } from 'vitest';
import { siteUrl } from './siteUrl.ts';

describe('siteUrl', () => {
  const chunk = 'https://someone.github.io/nitp-lab/assets/worker-abc123.js';
  it('resolves a relative base (the build) against the site root, one folder above the chunk', () => {
    expect(siteUrl('data/brown-v2/meta.json', './', chunk)).toBe('https://someone.github.io/nitp-lab/data/brown-v2/meta.json');
    expect(siteUrl('data/', '', 'http://127.0.0.1:4173/assets/index-x.js')).toBe('http://127.0.0.1:4173/data/');
  });
  it('uses an absolute base as it is (the dev server, a build with --base)', () => {
    expect(siteUrl('data/x', '/', 'http://127.0.0.1:5173/src/util/siteUrl.ts')).toBe('http://127.0.0.1:5173/data/x');
    expect(siteUrl('gallery/tiny.json', '/nitp-lab/', chunk)).toBe('https://someone.github.io/nitp-lab/gallery/tiny.json');
  });
  it('refuses what is not a path under the site root', () => {
    expect(() => siteUrl('/data/x', './', chunk)).toThrow(/not a path relative to the site root/);
    expect(() => siteUrl('https://elsewhere.example/x', './', chunk)).toThrow(/not a path relative/);
  });
});
