/**
 * Seeded randomness for the demo data. The demo must be reproducible (same seed, same bytes), so
 * nothing here touches `Math.random`: a stream is the sfc32 generator, seeded through splitmix32
 * from an FNV-1a hash of its keys. Keying a stream by what it generates (`seed, 'agent', 17`) makes
 * each record independent of the others: a record can be regenerated alone, and adding a kind of
 * record never shifts the values of another.
 *
 * Text comes from a fixed vocabulary sampled with a Zipf-like law, so bodies compress and
 * deduplicate like real prose rather than like noise.
 */

/** Bijective 32-bit mixer (lowbias32): distinct inputs give distinct, random-looking outputs. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a over the keys, with a separator so ('ab','c') and ('a','bc') differ. */
function hashKeys(keys: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const key of keys) {
    const text = String(key);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    h = Math.imul(h ^ 0x1f, 16777619);
  }
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let t = state ^ (state >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** A deterministic random stream; construct one per record with keys naming that record. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...keys: readonly (string | number)[]) {
    const next = splitmix32(hashKeys(keys));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** The next unsigned 32-bit value (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [low, high], both inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new RangeError('cannot pick from an empty list');
    return item;
  }

  /** Up to `count` distinct elements, in a random order (partial Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const n = Math.min(count, pool.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, pool.length - 1);
      const chosen = pool[j] as T;
      pool[j] = pool[i] as T;
      pool[i] = chosen;
    }
    return pool.slice(0, n);
  }

  /** `length` lower-case hex digits. */
  hex(length: number): string {
    let text = '';
    while (text.length < length) text += this.u32().toString(16).padStart(8, '0');
    return text.slice(0, length);
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const v = this.u32();
      for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }

  /** `length` characters of the given alphabet (base32 secrets, base64 salts). */
  chars(alphabet: string, length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet.charAt(this.u32() % alphabet.length);
    return text;
  }

  /** One vocabulary word, frequent words more often. */
  word(): string {
    return VOCABULARY[ZIPF_TABLE[this.u32() >>> 16] ?? 0] ?? 'the';
  }

  /** `count` words separated by spaces. */
  words(count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.word());
    return out.join(' ');
  }

  /** A capitalised sentence of 6 to 18 words, now and then a question. */
  sentence(): string {
    const text = this.words(this.int(6, 18));
    return text.charAt(0).toUpperCase() + text.slice(1) + (this.chance(0.1) ? '?' : '.');
  }

  /** A paragraph of 2 to 6 sentences. */
  paragraph(): string {
    const sentences: string[] = [];
    for (let n = this.int(2, 6); n > 0; n--) sentences.push(this.sentence());
    return sentences.join(' ');
  }

  /** `count` words in title case. */
  title(count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const w = this.word();
      out.push(w.charAt(0).toUpperCase() + w.slice(1));
    }
    return out.join(' ');
  }
}

// The vocabulary is built with the generator itself, so it must follow the class declaration.
const SYLLABLES = ['ka', 'ro', 'mi', 'tan', 'vel', 'or', 'is', 'qua', 'len', 'dra', 'po', 'sin', 'ter', 'ex', 'ul',
  'na', 'gri', 'fo', 'chan', 'de', 'la', 'mon', 'sta', 'vis', 'tri', 'ber', 'cu', 'ne', 'zo', 'pha', 'ri', 'ton',
  'al', 'em', 'gen', 'sy', 'ma', 'lo', 'hel', 'ic'];
const COMMON_WORDS = ['the', 'of', 'and', 'to', 'a', 'in', 'is', 'that', 'for', 'it', 'as', 'with', 'on', 'be', 'by',
  'this', 'are', 'or', 'agent', 'model', 'data', 'system', 'vision', 'lake', 'squadron', 'mission', 'task', 'memory',
  'policy', 'token', 'cluster', 'pipeline', 'vector', 'index', 'query', 'result', 'state', 'event', 'service',
  'deploy', 'runtime', 'context', 'orchestrator', 'review', 'signal', 'budget', 'latency', 'retrieval'];

/** Common words first (they get the highest Zipf ranks), then invented ones. */
const VOCABULARY: readonly string[] = (() => {
  const random = new SeededRandom('vocabulary');
  const words = [...COMMON_WORDS];
  const seen = new Set(words);
  while (words.length < 4000) {
    let word = '';
    for (let n = random.int(1, 4); n > 0; n--) word += random.pick(SYLLABLES);
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
})();

/** Inverse CDF of rank weights 1/(r+2), tabulated so drawing a word is one lookup. */
const ZIPF_TABLE: Uint16Array = (() => {
  const n = VOCABULARY.length;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 2);
    cdf[i] = sum;
  }
  const size = 1 << 16;
  const table = new Uint16Array(size);
  let rank = 0;
  for (let k = 0; k < size; k++) {
    const u = ((k + 0.5) / size) * sum;
    while (rank < n - 1 && (cdf[rank] ?? sum) < u) rank++;
    table[k] = rank;
  }
  return table;
})();
