// Registers raw-loader.mjs: `node --import tsx --import ./scripts/node-hooks.mjs file.ts`.
import { register } from 'node:module';
register('./raw-loader.mjs', import.meta.url);
