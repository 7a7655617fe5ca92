// config-table.ts: writes the README's config table from the config table in src/model/config.ts
// (npm run docs:config). A unit test fails while the README differs from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTableMarkdown } from '../src/model/config.ts';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md needs the markers ${START} and ${END}`);
writeFileSync('README.md', `${readme.slice(0, start + START.length)}\n${configTableMarkdown()}\n${readme.slice(end)}`);
console.log('README.md: config table written');
