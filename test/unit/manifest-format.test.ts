import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/core/errors.js';
import { chunkId, chunkRuns, decodeRuns, RunBuilder, type Run } from '../../src/core/manifest-format.js';

/** A deterministic 16-byte pack id in hex. */
function packId(n: number): string {
  return createHash('sha256').update(`pack ${n}`).digest('hex').slice(0, 32);
}

const P1 = packId(1);
const P2 = packId(2);

/** Runs from (pack, position) locations in stream order. */
function runsOf(locations: readonly (readonly [string, number])[]): Run[] {
  const b = new RunBuilder();
  for (const [pack, position] of locations) b.add(pack, position);
  return b.finish();
}

/** 2,000 varied runs, the same on every call. */
function manyRuns(): Run[] {
  return Array.from({ length: 2000 }, (_, i) => ({ packId: packId(i % 97), start: i * 11, count: 1 + (i % 13) }));
}

describe('RunBuilder', () => {
  it.each<{ case: string; locations: [string, number][]; runs: Run[] }>([
    { case: 'no records give no runs', locations: [], runs: [] },
    { case: 'one record is one run of one', locations: [[P1, 5]], runs: [{ packId: P1, start: 5, count: 1 }] },
    {
      case: 'consecutive positions of one pack merge into one run',
      locations: [[P1, 0], [P1, 1], [P1, 2], [P1, 3]],
      runs: [{ packId: P1, start: 0, count: 4 }],
    },
    {
      case: 'a change of pack splits the run',
      locations: [[P1, 0], [P1, 1], [P2, 2], [P2, 3]],
      runs: [
        { packId: P1, start: 0, count: 2 },
        { packId: P2, start: 2, count: 2 },
      ],
    },
    {
      case: 'a gap in positions splits the run',
      locations: [[P1, 0], [P1, 1], [P1, 5], [P1, 6]],
      runs: [
        { packId: P1, start: 0, count: 2 },
        { packId: P1, start: 5, count: 2 },
      ],
    },
    {
      case: 'a position going backwards splits the run',
      locations: [[P1, 4], [P1, 3]],
      runs: [
        { packId: P1, start: 4, count: 1 },
        { packId: P1, start: 3, count: 1 },
      ],
    },
    {
      case: 'a repeated position splits the run',
      locations: [[P1, 4], [P1, 4]],
      runs: [
        { packId: P1, start: 4, count: 1 },
        { packId: P1, start: 4, count: 1 },
      ],
    },
    {
      case: 'returning to an earlier pack starts a new run',
      locations: [[P1, 0], [P2, 0], [P1, 1]],
      runs: [
        { packId: P1, start: 0, count: 1 },
        { packId: P2, start: 0, count: 1 },
        { packId: P1, start: 1, count: 1 },
      ],
    },
  ])('$case', ({ locations, runs }) => {
    // Act
    const built = runsOf(locations);

    // Assert
    expect(built).toEqual(runs);
  });

  it('describes a full backup of one pack as one run, whatever its size', () => {
    // Arrange
    const locations = Array.from({ length: 10_000 }, (_, i) => [P1, i] as const);

    // Act
    const runs = runsOf(locations);

    // Assert
    expect(runs).toEqual([{ packId: P1, start: 0, count: 10_000 }]);
  });
});

describe('chunkRuns and decodeRuns', () => {
  it.each<{ case: string; runs: Run[] }>([
    { case: 'no runs', runs: [] },
    { case: 'one run', runs: [{ packId: P1, start: 0, count: 1 }] },
    { case: 'large starts and counts', runs: [{ packId: P2, start: 2 ** 40, count: 2 ** 31 }] },
    { case: '2,000 runs', runs: manyRuns() },
  ])('round-trips $case', ({ runs }) => {
    // Act
    const chunks = chunkRuns(runs);
    const decoded = chunks.flatMap((c) => decodeRuns(c));

    // Assert
    expect(decoded).toEqual(runs);
  });

  it('cuts 2,000 runs into several chunks of bounded size', () => {
    // Act
    const chunks = chunkRuns(manyRuns());
    const sizes = chunks.map((c) => decodeRuns(c).length);

    // Assert
    expect(chunks.length).toBeGreaterThan(10);
    expect(sizes.slice(0, -1).every((n) => n >= 4 && n <= 512)).toBe(true);
  });

  it('gives the same chunk ids for the same runs', () => {
    expect(chunkRuns(manyRuns()).map(chunkId)).toEqual(chunkRuns(manyRuns()).map(chunkId));
  });

  it.each([
    { case: 'the first run', at: 0 },
    { case: 'a run in the middle', at: 1000 },
    { case: 'another run in the middle', at: 1234 },
    { case: 'the last run', at: 1999 },
  ])('changes at most 3 chunk ids when $case of 2,000 changes', ({ at }) => {
    // Arrange
    const before = manyRuns();
    const after = manyRuns();
    after[at] = { packId: packId(5000), start: 7, count: 3 };

    // Act
    const idsBefore = new Set(chunkRuns(before).map(chunkId));
    const idsAfter = new Set(chunkRuns(after).map(chunkId));
    const added = [...idsAfter].filter((id) => !idsBefore.has(id));
    const removed = [...idsBefore].filter((id) => !idsAfter.has(id));

    // Assert
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(added.length).toBeLessThanOrEqual(3);
    expect(removed.length).toBeLessThanOrEqual(3);
  });

  it('keeps the chunk ids after an inserted run mostly the same (boundaries are content-defined)', () => {
    // Arrange
    const before = manyRuns();
    const after = [...before.slice(0, 1000), { packId: packId(6000), start: 1, count: 1 }, ...before.slice(1000)];

    // Act
    const idsBefore = new Set(chunkRuns(before).map(chunkId));
    const added = chunkRuns(after).map(chunkId).filter((id) => !idsBefore.has(id));

    // Assert
    expect(added.length).toBeLessThanOrEqual(3);
  });

  it.each([
    { case: 'a run of zero records', bytes: Buffer.concat([Buffer.from(P1, 'hex'), Buffer.from([0, 0])]), message: /zero records/ },
    { case: 'a truncated pack id', bytes: Buffer.from(P1, 'hex').subarray(0, 10), message: /truncated/ },
    { case: 'a run without its count', bytes: Buffer.concat([Buffer.from(P1, 'hex'), Buffer.from([1])]), message: /truncated/ },
  ])('refuses a chunk with $case as an IntegrityError', ({ bytes, message }) => {
    expect(() => decodeRuns(bytes)).toThrow(IntegrityError);
    expect(() => decodeRuns(bytes)).toThrow(message);
  });

  it('refuses every truncation of a chunk that cuts a run short', () => {
    // Arrange
    const [chunk] = chunkRuns([{ packId: P1, start: 300, count: 200 }]);
    if (!chunk) throw new Error('no chunk');

    // Act / Assert
    for (let cut = 1; cut < chunk.length; cut++) {
      expect(() => decodeRuns(chunk.subarray(0, cut)), `cut at ${cut}`).toThrow(IntegrityError);
    }
  });
});

describe('chunkId', () => {
  it('is the sha256 hex of the chunk plaintext', () => {
    // Arrange
    const plaintext = Buffer.from('abc');

    // Act / Assert
    expect(chunkId(plaintext)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
