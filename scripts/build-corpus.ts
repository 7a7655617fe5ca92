// build-corpus.ts: writes the versioned corpus assets under public/data/ (git-ignored).
// Run: node --import tsx scripts/build-corpus.ts [--force]
// Idempotent: an asset that is already up to date is skipped.
import { corpusSummary } from '../src/data/corpus.ts';
import { buildBrownAssets } from '../src/data/nodeSource.ts';

const force = process.argv.includes('--force');
const r = buildBrownAssets({ force });
const m = r.meta;
console.log(
  `${r.built ? `built (${r.reason})` : 'up to date'} ${r.dir} (${r.ms.toFixed(0)} ms): ${m.source}, ` +
    `documents ${m.documents.train} train / ${m.documents.val} val, ` +
    `characters ${m.characters.train} train / ${m.characters.val} val` +
    (m.tags ? `, tag streams ${m.tags.bytes.train} + ${m.tags.bytes.val} bytes` : ''),
);
console.log(corpusSummary(m));
