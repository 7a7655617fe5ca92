// importMap.mjs: writes the import map (and the modules it maps to) that lets Deno run the GPU
// tests as they are (scripts/test-deno.sh): "vitest" → scripts/deno/vitest.ts, src/test/gpu.ts →
// scripts/deno/gpu.ts (Deno's own WebGPU instead of Dawn), and each shader's "?raw" import (a
// Vite feature) → a generated module exporting the WGSL text. Prints the map's path.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'node_modules/.cache/nitp-deno');
mkdirSync(join(out, 'shaders'), { recursive: true });
const url = (path) => pathToFileURL(path).href;
const imports = {
  vitest: url(join(root, 'scripts/deno/vitest.ts')),
  [url(join(root, 'src/test/gpu.ts'))]: url(join(root, 'scripts/deno/gpu.ts')),
};
for (const file of readdirSync(join(root, 'src/shaders')).filter((f) => f.endsWith('.wgsl'))) {
  const module = join(out, 'shaders', `${file}.js`);
  writeFileSync(module, `export default ${JSON.stringify(readFileSync(join(root, 'src/shaders', file), 'utf8'))};\n`);
  imports[`${url(join(root, 'src/shaders', file))}?raw`] = url(module);
}
const map = join(out, 'import_map.json');
writeFileSync(map, JSON.stringify({ imports }, null, 2));
console.log(map);
