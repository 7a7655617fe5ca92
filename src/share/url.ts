// url.ts: an experiment as a link. The query string holds the format version, the preset it
// starts from, every config field that differs from that preset (or from the defaults) under a
// short key, and (once a run finished) the result fingerprint:
//   ?v=2&p=teaching&lam=0.5&fp=300.1a2b3c4d5e6f   (the teaching preset with λ = 0.5, and its result)
// The keys come from the config table (model/config.ts).
// Reading a link never throws: whatever cannot be read (unknown version, unknown or malformed
// key, value out of range, oversized link) is left at its default and named in a notice. Nothing
// from a link is ever rendered as markup: string fields are enums, and notices are plain text.
import { CONFIG_FIELDS, ConfigError, FIELD_LIST, defaultOf, resolveConfig, type PartialRunConfig, type RunConfig, type Section } from '../model/config.ts';
import { SYNTHETIC_DEFAULTS } from '../data/synthetic.ts';
import { presetById } from '../model/presets.ts';
import { parseFingerprint, type Fingerprint } from './fingerprint.ts';

/**
 * The link format this lab writes. Version 2 (2026-12): a preset `p` is the base, and the link
 * lists the fields that differ from it. Version 1 (2026-11): the link lists the fields that differ
 * from the defaults, and `p` only names the preset. Both keep opening.
 */
export const URL_FORMAT_VERSION = 2;
const READABLE_VERSIONS = ['1', '2'];
/** Longer links are refused whole (a real one is well under 1 KB). */
export const MAX_LINK_CHARS = 4096;
const MAX_VALUE_CHARS = 300;

/** Parameters of a synthetic task: `task.order=3` (the table's key for data.task is this prefix). */
const TASK_PREFIX = CONFIG_FIELDS.data.task.key;
/** The uploaded file a data.corpus=upload link needs (the receiver supplies the same file). */
const UPLOAD_KEYS = { file: 'name', bytes: 'size', sha: 'sha256' } as const;
/** The dense early evaluation as one value: `early=2-60` is every 2 steps up to step 60. */
const EARLY_KEY = CONFIG_FIELDS.eval.early.key;

/** Link key → field, for the fields with one key and a scalar value. */
const SCALAR_KEYS = new Map(FIELD_LIST.filter((f) => f.spec.kind !== 'object').map((f) => [f.spec.key, f]));

export interface SharedExperiment {
  /** the fields the link sets (valid together); missing ones take the defaults */
  config: PartialRunConfig;
  /** a preset id (see model/presets.ts) */
  preset: string | null;
  fingerprint: Fingerprint | null;
  /** presenter mode (`present=1`): the page for a projector — settings hidden, charts and text large */
  present: boolean;
  /** a gallery run to show (`run=gallery/<id>`), by id; only this site's gallery is ever fetched */
  run: string | null;
  /** what could not be read, one plain-text sentence each */
  notices: string[];
}

const show = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

function parseValue(raw: string, kind: string): unknown {
  if (kind === 'enum') return raw;
  if (kind === 'bool') {
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    throw new Error('must be 1 or 0');
  }
  if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) throw new Error('is not a number');
  const n = Number(raw);
  if (kind !== 'number' && !Number.isInteger(n)) throw new Error('must be an integer');
  return n;
}

function parseEarly(raw: string): unknown {
  if (raw === 'off') return null;
  const m = /^(\d+)-(\d+)$/.exec(raw);
  if (!m) throw new Error('must be EVERY-UNTIL, e.g. 2-60, or off');
  return { every: Number(m[1]), until: Number(m[2]) };
}

const formatValue = (v: unknown) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

/** The query string ("?v=1&...") of a config: only fields that differ from the defaults. */
export function encodeExperiment(config: RunConfig, extra: { preset?: string | null; fingerprint?: Fingerprint | null; present?: boolean; run?: string | null } = {}): string {
  const q = new URLSearchParams({ v: String(URL_FORMAT_VERSION) });
  const preset = extra.preset ? presetById(extra.preset) : null;
  if (preset) q.set('p', preset.id);
  // the fields that differ from the base: the preset's config, or the defaults
  const base = (preset ? resolveConfig(preset.config) : null) as unknown as Record<Section, Record<string, unknown>> | null;
  const values = config as unknown as Record<Section, Record<string, unknown>>;
  for (const { section, name, spec } of FIELD_LIST) {
    const value = values[section][name];
    const from = base && spec.kind !== 'derived-int' ? base[section][name] : defaultOf(section, name, config);
    if (JSON.stringify(value) === JSON.stringify(from)) continue;
    if (spec.key === EARLY_KEY) {
      const early = value as { every: number; until: number } | null;
      q.set(EARLY_KEY, early ? `${early.every}-${early.until}` : 'off');
    } else if (value === null) continue;
    else if (spec.kind !== 'object') q.set(spec.key, formatValue(value));
    else if (spec.key === TASK_PREFIX) {
      const taskDefaults = SYNTHETIC_DEFAULTS[config.data.corpus as keyof typeof SYNTHETIC_DEFAULTS] as unknown as Record<string, unknown>;
      for (const [field, v] of Object.entries(value as Record<string, unknown>)) if (field !== 'kind' && v !== taskDefaults[field]) q.set(TASK_PREFIX + field, formatValue(v));
    } else {
      for (const [key, field] of Object.entries(UPLOAD_KEYS)) q.set(key, String((value as Record<string, unknown>)[field]));
    }
  }
  if (extra.fingerprint) q.set('fp', `${extra.fingerprint.step}.${extra.fingerprint.hash}`);
  if (extra.present) q.set('present', '1');
  if (extra.run) q.set('run', `gallery/${extra.run}`);
  return `?${q.toString()}`;
}

/** Reads a link's query string; null when it carries no experiment (a plain visit). */
export function decodeExperiment(search: string): SharedExperiment | null {
  const notices: string[] = [];
  const empty = (): SharedExperiment => ({ config: {}, preset: null, fingerprint: null, present: false, run: null, notices });
  if (search.length > MAX_LINK_CHARS) {
    notices.push(`The link is ${search.length} characters long, more than the ${MAX_LINK_CHARS} a lab link can be; it was ignored.`);
    return empty();
  }
  const params = new URLSearchParams(search);
  if ([...params.keys()].length === 0) return null;
  let version = params.get('v');
  if (version === null) {
    version = '1'; // links without a version were written before version 2
    notices.push('The link has no format version ("v"); it was read as version 1.');
  } else if (!READABLE_VERSIONS.includes(version)) {
    notices.push(`The link's format version ${show(version)} is not one this lab knows (it reads versions ${READABLE_VERSIONS.join(' and ')}); the default experiment is used instead.`);
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
  let present = false;
  let run: string | null = null;
  for (const [key, raw] of params) {
    if (raw.length > MAX_VALUE_CHARS) {
      notices.push(`The value of "${key.slice(0, 40)}" is ${raw.length} characters long; it was ignored.`);
      continue;
    }
    if (key === 'v') continue;
    if (key === 'p') {
      const found = presetById(raw);
      if (found) preset = found.id;
      else notices.push(`The preset ${show(raw)} is not one of this lab's presets; the link's own fields are used.`);
      continue;
    }
    if (key === 'run') {
      const m = /^gallery\/([a-z0-9-]{1,40})$/.exec(raw);
      if (m) run = m[1];
      else notices.push(`The link's run ${show(raw)} is not one of this site's gallery runs (run=gallery/<id>); it was not opened.`);
      continue;
    }
    if (key === 'present') {
      if (raw === '1' || raw === '0') present = raw === '1';
      else notices.push(`The link's "present" ${show(raw)} must be 1 or 0; presenter mode is off.`);
      continue;
    }
    if (key === 'fp') {
      fingerprint = parseFingerprint(raw);
      if (!fingerprint) notices.push(`The result fingerprint ${show(raw)} is malformed (expected step.hash, e.g. 500.1a2b3c4d5e6f); it was ignored.`);
      continue;
    }
    const scalar = SCALAR_KEYS.get(key);
    try {
      if (scalar) {
        set(scalar.section, scalar.name, parseValue(raw, scalar.spec.kind));
        keyOf.set(scalar.path, key);
      } else if (key === EARLY_KEY) {
        set('eval', 'early', parseEarly(raw));
        keyOf.set('eval.early', key);
      } else if (key.startsWith(TASK_PREFIX) && key.length > TASK_PREFIX.length) {
        task[key.slice(TASK_PREFIX.length)] = parseValue(raw, 'number');
      } else if (Object.prototype.hasOwnProperty.call(UPLOAD_KEYS, key)) {
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

  // Version 2: the preset is the base the link's fields change.
  const base = version === '2' && preset ? presetById(preset)!.config : {};
  const merged = () => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [section, fields] of Object.entries(base)) out[section] = { ...fields };
    for (const [section, fields] of Object.entries(partial)) out[section] = { ...(out[section] ?? {}), ...fields };
    return out;
  };

  // Validate the fields together. A refused rule names its field and the fields it relates to:
  // drop the first of those the link set, and try again (each round drops one field).
  for (;;) {
    const config = merged();
    try {
      resolveConfig(config);
      return { config: config as PartialRunConfig, preset, fingerprint, present, run, notices };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const culprit = [e.field, ...e.related].find((path) => {
        const [section, field] = path.split('.');
        return field !== undefined && partial[section] !== undefined && Object.prototype.hasOwnProperty.call(partial[section], field);
      });
      if (!culprit) break;
      const [section, field] = culprit.split('.');
      delete partial[section][field];
      const where = keyOf.get(culprit);
      const reason = culprit === e.path ? e.reason : `${e.path} ${e.reason}`;
      notices.push(`The link's ${where ? `"${where}" (${culprit})` : culprit} was not used: ${reason}.`);
    }
  }
  notices.push('The link could not be read; the default experiment is used instead.');
  return empty();
}
