// pos.ts: universal part-of-speech classes for Brown words, characters and tokens.
// Browser-safe and pure: corpus.ts (browser) and the asset build (nodeSource.ts) both use it.
//
// Class ids are indices into POS_TAGS: the 12 classes of Petrov, Das & McDonald's universal tagset
// ("A Universal Part-of-Speech Tagset", LREC 2012; NLTK spells PUNCT "." and OTHER "X"), plus
// SPACE for the whitespace between words, which exists only in the rendered text.
//
// Brown tag -> class (brownTagClass), table-driven:
// - "fw-..." (foreign word, "fw-nn", "fw-in+at") is OTHER, whatever follows, as NLTK maps it (X);
// - a compound tag ("pps+bez" he's, "md+hv" could've) takes the class of its first part, since
//   the word is written as one token and starts with that part (he's: PRON, wasn't: VERB);
// - the suffixes "-tl" (title), "-hl" (headline) and "-nc" (citation), in any order, are dropped;
// - a trailing "*" (negation: "bedz*" wasn't, "md*" can't) is dropped: the word keeps its class;
// - a trailing "$" (genitive: "nn$" man's, "np$" Atlanta's) is dropped, except where the table
//   lists the genitive itself ("pp$" his: DET, "pp$$" mine: PRON, "wp$" whose: DET);
// - the base tag is then looked up in BROWN_BASE_CLASS; an unknown tag is an error, never a
//   silent OTHER (pos.test.ts maps every tag that occurs in the corpus).
// The table follows NLTK's en-brown universal mapping where Brown's categories are ambiguous:
// "cs" (that, if, because) is ADP, "ap" (many, other, next) and "od" (first) are ADJ, "pn"
// (nobody) and "nr" (home, Friday) are NOUN, "pp$" (his, their) is DET, "uh" (interjections) PRT.
// On the news category it gives the counts NLTK's book prints for VERB, ADP, CONJ, "." and X
// exactly; it departs from NLTK on contractions (he's: PRON here by its first part) and on 366
// news words it calls DET where NLTK's totals have PRT (all/quite/there or which/whose: the
// totals cannot tell which; here all of them follow PTB's PDT/EX/WDT -> DET).
//
// Tags per token (tokenTags): a token takes the class of the first non-SPACE character from its
// start offset up to the next token's start: a char token gets its character's class, a BPE
// token " jury" (leading space) gets the class of "jury", the word it starts; a token of
// whitespace only is SPACE.

/** The classes; a class id is an index into this array. */
export const POS_TAGS = ['NOUN', 'VERB', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'NUM', 'CONJ', 'PRT', 'PUNCT', 'OTHER', 'SPACE'] as const;

export type PosTag = (typeof POS_TAGS)[number];

/** Number of classes (13). */
export const POS_COUNT = POS_TAGS.length;

/** Class name -> id. */
export const POS_ID = Object.fromEntries(POS_TAGS.map((t, i) => [t, i])) as Record<PosTag, number>;

/** The id of SPACE (12): whitespace between words, sentences and documents. */
export const SPACE_ID = POS_ID.SPACE;

/** One line per class, for legends. */
export const POS_DESCRIPTIONS: Record<PosTag, string> = {
  NOUN: 'nouns: common, proper, adverbial (home, Friday), indefinite (nobody)',
  VERB: 'verbs, including be/do/have forms and modals',
  ADJ: 'adjectives, ordinals (first), post-determiners (many, other, next)',
  ADV: 'adverbs, qualifiers (very), wh-adverbs (where), negation (not)',
  PRON: 'personal, reflexive and wh-pronouns (he, them, who)',
  DET: 'articles, determiners, possessives (his), pre-quantifiers (all, both), existential there',
  ADP: 'prepositions and subordinating conjunctions (of, that, if)',
  NUM: 'cardinal numbers',
  CONJ: 'coordinating conjunctions (and, or, but)',
  PRT: 'particles (up, off), infinitive to, interjections',
  PUNCT: 'punctuation, including the quote tokens `` and \'\'',
  OTHER: 'foreign words and untagged words',
  SPACE: 'spaces and newlines between words (rendered text only)',
};

/**
 * Brown base tag (lowercase, no -tl/-hl/-nc, no negation "*") -> class.
 * Reference for the tags: the Brown Corpus Manual (Francis & Kucera 1979), tag list.
 */
export const BROWN_BASE_CLASS: Readonly<Record<string, PosTag>> = {
  // nouns
  nn: 'NOUN', nns: 'NOUN', np: 'NOUN', nps: 'NOUN', // common, proper; singular, plural
  nr: 'NOUN', nrs: 'NOUN', // adverbial noun: home, today, west, Friday
  pn: 'NOUN', // nominal pronoun: anybody, nobody, everything (NLTK: NOUN)
  // verbs
  vb: 'VERB', vbd: 'VERB', vbg: 'VERB', vbn: 'VERB', vbz: 'VERB',
  be: 'VERB', bed: 'VERB', bedz: 'VERB', beg: 'VERB', bem: 'VERB', ben: 'VERB', ber: 'VERB', bez: 'VERB',
  do: 'VERB', dod: 'VERB', doz: 'VERB',
  hv: 'VERB', hvd: 'VERB', hvg: 'VERB', hvn: 'VERB', hvz: 'VERB',
  md: 'VERB', // modal auxiliary: can, should, will
  // adjectives
  jj: 'ADJ', jjr: 'ADJ', jjs: 'ADJ', jjt: 'ADJ', // jjs: semantically superlative (chief, top)
  od: 'ADJ', // ordinal: first, 13th (as PTB's JJ)
  ap: 'ADJ', // post-determiner: many, other, next, more, last, several (NLTK: ADJ)
  // adverbs
  rb: 'ADV', rbr: 'ADV', rbt: 'ADV', rn: 'ADV', // rn: nominal adverb: here, then, indoors
  ql: 'ADV', qlp: 'ADV', wql: 'ADV', // qualifiers: very, too; enough, indeed; how
  wrb: 'ADV', // wh-adverb: where, when, how, why
  '*': 'ADV', // not, n't standing alone (as PTB's RB)
  // pronouns
  pps: 'PRON', ppss: 'PRON', ppo: 'PRON', ppl: 'PRON', ppls: 'PRON', // he, they, them, himself, themselves
  'pp$$': 'PRON', // mine, ours
  wps: 'PRON', wpo: 'PRON', // who, whom
  // determiners
  at: 'DET', // a, an, the, no, every
  dt: 'DET', dti: 'DET', dts: 'DET', dtx: 'DET', // this, any, these, either
  abl: 'DET', abn: 'DET', abx: 'DET', // pre-qualifier/-quantifier: quite, such; all, half; both (PTB PDT)
  ex: 'DET', // existential there (PTB EX -> DET)
  wdt: 'DET', // which, what, whatever
  'pp$': 'DET', // possessive determiner: his, their, my (NLTK: DET)
  'wp$': 'DET', // whose
  // adpositions, numbers, conjunctions, particles
  in: 'ADP',
  cs: 'ADP', // subordinating conjunction: that, if, as, because (NLTK: ADP, as PTB's IN)
  cd: 'NUM',
  cc: 'CONJ',
  rp: 'PRT', to: 'PRT', // particle (up, off); infinitive marker to
  uh: 'PRT', // interjection (NLTK: PRT, not X)
  // punctuation ("." also tags ? ! ;)
  '.': 'PUNCT', ',': 'PUNCT', ':': 'PUNCT', '(': 'PUNCT', ')': 'PUNCT', '--': 'PUNCT',
  '``': 'PUNCT', "''": 'PUNCT', "'": 'PUNCT',
  // other
  fw: 'OTHER', // any foreign-word tag "fw-..."
  nil: 'OTHER', // word left untagged in the source
};

const inTable = (t: string): boolean => Object.prototype.hasOwnProperty.call(BROWN_BASE_CLASS, t);

/** The BROWN_BASE_CLASS key a Brown tag maps through; may be a key the table lacks (see brownTagClass). */
export function brownBaseTag(tag: string): string {
  let t = tag.toLowerCase();
  if (t.startsWith('fw-')) return 'fw';
  const plus = t.indexOf('+');
  if (plus > 0) t = t.slice(0, plus); // compound: its first part
  for (let m = /-(tl|hl|nc)$/.exec(t); m !== null; m = /-(tl|hl|nc)$/.exec(t)) t = t.slice(0, m.index);
  if (inTable(t)) return t;
  if (t.length > 1 && t.endsWith('*')) t = t.slice(0, -1); // negated form of a verb
  if (inTable(t)) return t;
  if (t.length > 1 && t.endsWith('$')) t = t.slice(0, -1); // genitive of a noun, pronoun, ...
  return t;
}

const classCache = new Map<string, number>();

/**
 * The class id of a Brown tag as written ("nn-tl", "pps+bez", "bedz*", "fw-in+at-tl").
 * @throws on a tag whose base is not in BROWN_BASE_CLASS
 */
export function brownTagClass(tag: string): number {
  let id = classCache.get(tag);
  if (id === undefined) {
    const base = brownBaseTag(tag);
    const cls = inTable(base) ? BROWN_BASE_CLASS[base] : undefined;
    if (cls === undefined) throw new Error(`part of speech: Brown tag "${tag}" (base "${base}") is not in the mapping table`);
    id = POS_ID[cls];
    classCache.set(tag, id);
  }
  return id;
}

/**
 * Per-token classes from per-character classes.
 * @param charTags (n) class id per UTF-16 code unit of the text
 * @param offsets (N) per token, the UTF-16 index in the text where it starts; non-decreasing, < n
 * @returns (N) = class of the first non-SPACE character in [offsets[i], max(offsets[i+1], offsets[i]+1)),
 *   the next token's start being n for the last token; SPACE when all of them are SPACE
 */
export function tokenTags(charTags: Uint8Array, offsets: Int32Array | Uint32Array): Uint8Array {
  const n = charTags.length;
  const N = offsets.length;
  const out = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const start = offsets[i];
    if (!(start >= 0 && start < n)) throw new Error(`tokenTags: token ${i} starts at ${start}, outside the ${n} character tags`);
    const next = i + 1 < N ? offsets[i + 1] : n;
    if (next < start) throw new Error(`tokenTags: token ${i + 1} starts at ${next}, before token ${i} (${start}): offsets must not decrease`);
    const end = Math.min(n, Math.max(next, start + 1));
    let tag = SPACE_ID;
    for (let c = start; c < end && tag === SPACE_ID; c++) tag = charTags[c];
    out[i] = tag;
  }
  return out;
}

/** How many entries of `tags` hold each class. @returns (POS_COUNT) counts */
export function countTags(tags: Uint8Array): number[] {
  const counts = new Array<number>(POS_COUNT).fill(0);
  for (let i = 0; i < tags.length; i++) {
    if (tags[i] >= POS_COUNT) throw new Error(`countTags: class id ${tags[i]} at ${i} is not below ${POS_COUNT}`);
    counts[tags[i]]++;
  }
  return counts;
}

/** Counts (POS_COUNT) as {NOUN: n, ...} in POS_TAGS order, as meta.json stores them. */
export function namedCounts(counts: readonly number[]): Record<PosTag, number> {
  return Object.fromEntries(POS_TAGS.map((t, i) => [t, counts[i] ?? 0])) as Record<PosTag, number>;
}

/** A string that changes whenever the mapping does (class list and table), for asset staleness checks. */
export function brownMappingSignature(): string {
  const entries = Object.keys(BROWN_BASE_CLASS).sort().map((k) => `${k}=${BROWN_BASE_CLASS[k]}`);
  return `${POS_TAGS.join(',')};fw-=OTHER;compound=first;drop=-tl,-hl,-nc,*,$;${entries.join(',')}`;
}
