// url.ts: an experiment as a link. The query string holds the format version, every config field
// that differs from the defaults under a short key, the preset name, and (once a run finished)
// the result fingerprint:
//   ?v=1&p=Tiny+and+fast&T=32&L=2&d=32&h=2&steps=500&B=8&lr=0.003&wu=20&fp=500.1a2b3c4d5e6f
// Reading a link never throws: whatever cannot be read (unknown version, unknown or malformed
// key, value out of range, oversized link) is left at its default and named in a notice. Nothing
// from a link is ever rendered as markup: string fields are enums, and notices are plain text.
import { ConfigError, DEFAULT_CONFIG, defaultTargetLayer, resolveConfig, type PartialRunConfig, type RunConfig } from '../model/config.ts';
import { SYNTHETIC_DEFAULTS } from '../data/synthetic.ts';
import { PRESETS } from '../model/presets.ts';
import { parseFingerprint, type Fingerprint } from './fingerprint.ts';

/** The link format this lab writes. Version 1 links must keep opening; a new version adds a reader. */
export const URL_FORMAT_VERSION = 1;
/** Longer links are refused whole (a real one is well under 1 KB). */
export const MAX_LINK_CHARS = 4096;
const MAX_VALUE_CHARS = 300;

type Kind = 'int' | 'num' | 'bool' | 'str';
type Section = keyof RunConfig;

/** URL key → config field, in the order links list them. */
const KEYS: readonly (readonly [key: string, section: Section, field: string, kind: Kind])[] = [
  ['T', 'model', 'contextLength', 'int'], ['L', 'model', 'nLayer', 'int'], ['d', 'model', 'dModel', 'int'],
  ['h', 'model', 'nHead', 'int'], ['tie', 'model', 'tieEmbeddings', 'bool'],
  ['lam', 'nitp', 'lambda', 'num'], ['k', 'nitp', 'targetLayer', 'int'], ['head', 'nitp', 'head', 'str'],
  ['shift', 'nitp', 'shift', 'str'], ['sg', 'nitp', 'stopGrad', 'bool'], ['loss', 'nitp', 'loss', 'str'],
  ['reg', 'nitp', 'regularizer', 'str'],
  ['steps', 'train', 'steps', 'int'], ['B', 'train', 'batchSize', 'int'], ['lr', 'train', 'lr', 'num'],
  ['wu', 'train', 'warmupSteps', 'int'], ['sched', 'train', 'schedule', 'str'], ['wd', 'train', 'weightDecay', 'num'],
  ['clip', 'train', 'gradClip', 'num'], ['seed', 'train', 'seed', 'int'],
  ['corpus', 'data', 'corpus', 'str'], ['tok', 'data', 'tokenizer', 'str'], ['V', 'data', 'vocabSize', 'int'],
  ['ev', 'eval', 'every', 'int'],
];
/** Parameters of a synthetic task: `task.order=3`. */
const TASK_PREFIX = 'task.';
/** The uploaded file a data.corpus=upload link needs (the receiver supplies the same file). */
const UPLOAD_KEYS = { file: 'name', bytes: 'size', sha: 'sha256' } as const;

export interface SharedExperiment {
  /** the fields the link sets (valid together); missing ones take the defaults */
  config: PartialRunConfig;
  preset: string | null;
  fingerprint: Fingerprint | null;
  /** what could not be read, one plain-text sentence each */
  notices: string[];
}

const show = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

function parseValue(raw: string, kind: Kind): unknown {
  if (kind === 'str') return raw;
  if (kind === 'bool') {
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    throw new Error('must be 1 or 0');
  }
  if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) throw new Error('is not a number');
  const n = Number(raw);
  if (kind === 'int' && !Number.isInteger(n)) throw new Error('must be an integer');
  return n;
}

const formatValue = (v: unknown) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The query string ("?v=1&...") of a config: only fields that differ from the defaults. */
export function encodeExperiment(config: RunConfig, extra: { preset?: string | null; fingerprint?: Fingerprint | null } = {}): string {
  const q = new URLSearchParams({ v: String(URL_FORMAT_VERSION) });
  if (extra.preset) q.set('p', extra.preset);
  const defaults = DEFAULT_CONFIG as unknown as Record<Section, Record<string, unknown>>;
  const values = config as unknown as Record<Section, Record<string, unknown>>;
  for (const [key, section, field] of KEYS) {
    const value = values[section][field];
    // the target layer is left out when it is the default for the link's depth
    const fallback = section === 'nitp' && field === 'targetLayer' ? defaultTargetLayer(config.model.nLayer) : defaults[section][field];
    if (value !== fallback && value !== null) q.set(key, formatValue(value));
  }
  const task = config.data.task as Record<string, unknown> | null;
  if (task) {
    const taskDefaults = SYNTHETIC_DEFAULTS[config.data.corpus as keyof typeof SYNTHETIC_DEFAULTS] as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(task)) if (field !== 'kind' && value !== taskDefaults[field]) q.set(TASK_PREFIX + field, formatValue(value));
  }
  if (config.data.upload) for (const [key, field] of Object.entries(UPLOAD_KEYS)) q.set(key, String(config.data.upload[field]));
  if (extra.fingerprint) q.set('fp', `${extra.fingerprint.step}.${extra.fingerprint.hash}`);
  return `?${q.toString()}`;
}

/** Reads a link's query string; null when it carries no experiment (a plain visit). */
export function decodeExperiment(search: string): SharedExperiment | null {
  const notices: string[] = [];
  const empty = (): SharedExperiment => ({ config: {}, preset: null, fingerprint: null, notices });
  if (search.length > MAX_LINK_CHARS) {
    notices.push(`The link is ${search.length} characters long, more than the ${MAX_LINK_CHARS} a lab link can be; it was ignored.`);
    return empty();
  }
  const params = new URLSearchParams(search);
  if ([...params.keys()].length === 0) return null;
  const version = params.get('v');
  if (version === null) {
    notices.push(`The link has no format version ("v"); it was read as version ${URL_FORMAT_VERSION}.`);
  } else if (version !== String(URL_FORMAT_VERSION)) {
    notices.push(`The link's format version ${show(version)} is not one this lab knows (it reads version ${URL_FORMAT_VERSION}); the default experiment is used instead.`);
    return empty();
  }

  const partial: Record<string, Record<string, unknown>> = {};
  const set = (section: string, field: string, value: unknown) => {
    (partial[section] ??= {})[field] = value;
  };
  const keyOf = new Map<string, string>(); // "model.nLayer" → "L", for notices
  const upload: Record<string, unknown> = {};
  const task: Record<string, unknown> = {};
  let preset: string | null = null;
  let fingerprint: Fingerprint | null = null;
  for (const [key, raw] of params) {
    if (raw.length > MAX_VALUE_CHARS) {
      notices.push(`The value of "${key.slice(0, 40)}" is ${raw.length} characters long; it was ignored.`);
      continue;
    }
    if (key === 'v') continue;
    if (key === 'p') {
      if (PRESETS.some((p) => p.name === raw)) preset = raw;
      else notices.push(`The preset ${show(raw)} is not one of this lab's presets; the link's own fields are used.`);
      continue;
    }
    if (key === 'fp') {
      fingerprint = parseFingerprint(raw);
      if (!fingerprint) notices.push(`The result fingerprint ${show(raw)} is malformed (expected step.hash, e.g. 500.1a2b3c4d5e6f); it was ignored.`);
      continue;
    }
    const known = KEYS.find(([k]) => k === key);
    try {
      if (known) {
        const [, section, field, kind] = known;
        set(section, field, parseValue(raw, kind));
        keyOf.set(`${section}.${field}`, key);
      } else if (key.startsWith(TASK_PREFIX) && key.length > TASK_PREFIX.length) {
        task[key.slice(TASK_PREFIX.length)] = parseValue(raw, 'num');
      } else if (key in UPLOAD_KEYS) {
        const field = UPLOAD_KEYS[key as keyof typeof UPLOAD_KEYS];
        upload[field] = field === 'size' ? parseValue(raw, 'int') : raw;
      } else {
        notices.push(`The link has an unknown field ${show(key)}; it was ignored.`);
      }
    } catch (e) {
      notices.push(`The link's "${key.slice(0, 40)}" ${show(raw)} ${(e as Error).message}; the default is used.`);
    }
  }
  if (Object.keys(task).length > 0) {
    set('data', 'task', task);
    keyOf.set('data.task', 'task.*');
  }
  if (Object.keys(upload).length > 0) {
    set('data', 'upload', upload);
    keyOf.set('data.upload', 'file/bytes/sha');
  }

  // Validate the fields together; drop each one the config refuses and try again.
  for (let attempt = 0; attempt < 64; attempt++) {
    try {
      resolveConfig(partial);
      return { config: partial as PartialRunConfig, preset, fingerprint, notices };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const [section, field] = e.field.split('.');
      const where = keyOf.get(`${section}.${field}`);
      if (partial[section] && field in partial[section]) {
        delete partial[section][field];
        notices.push(`The link's ${where ? `"${where}" (${section}.${field})` : `${section}.${field}`} was not used: ${e.message.replace(/^config field "[^"]*": /, '')}.`);
      } else {
        // a field the link did not set was refused because of others in its section: drop them
        notices.push(`The link's ${section} settings were not used: ${e.message}.`);
        delete partial[section];
      }
    }
  }
  notices.push('The link could not be read; the default experiment is used instead.');
  return empty();
}
