/**
 * The benchmark's data: the demo generators' WING records written as one JSON line per record,
 * one file per component, and a deterministic 1 % scattered mutation of those files (92.5 % of the
 * touched lines changed in place, 7.5 % deleted, and as many new lines as deleted ones appended),
 * the same shape of change as the shared anchors generator.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  generateAgentItems,
  generateAuthItems,
  generateSquadronItems,
  generateVisionLakeDocuments,
} from '../src/local/demo/demo-records.js';
import { SeededRandom } from '../src/local/demo/random.js';

function jsonOf(item: Record<string, AttributeValue>): string {
  return JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
}

async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** Writes the four component files of a scale; returns their total size. */
export async function writeDataset(dir: string, scale: number, seed = 1): Promise<number> {
  await mkdir(dir, { recursive: true });
  const options = { scale, seed };
  let total = 0;
  total += await writeLines(
    join(dir, 'vision-lake.jsonl'),
    (function* () {
      for (const doc of generateVisionLakeDocuments(options)) yield JSON.stringify({ index: JSON.parse(jsonOf(doc.indexItem)) as unknown, body: doc.object.body.toString('utf8') });
    })(),
  );
  total += await writeLines(join(dir, 'auth.jsonl'), (function* () { for (const i of generateAuthItems(options)) yield jsonOf(i); })());
  total += await writeLines(join(dir, 'agents.jsonl'), (function* () { for (const i of generateAgentItems(options)) yield jsonOf(i); })());
  total += await writeLines(join(dir, 'squadrons.jsonl'), (function* () { for (const i of generateSquadronItems(options)) yield jsonOf(i); })());
  return total;
}

/** Mutates `percent` % of each file's lines in place; returns the bytes of changed and new lines. */
export async function mutateDataset(dir: string, percent: number, seed: number): Promise<number> {
  let changedBytes = 0;
  for (const name of ['vision-lake', 'auth', 'agents', 'squadrons']) {
    const path = join(dir, `${name}.jsonl`);
    const lines = (await readFile(path, 'utf8')).split('\n');
    if (lines.at(-1) === '') lines.pop();
    const random = new SeededRandom(seed, 'bench-mutate', name);
    const touched = Math.max(1, Math.round((lines.length * percent) / 100));
    const picks = random.sample([...lines.keys()], touched);
    const deleted = new Set<number>();
    const deletions = Math.round(touched * 0.075);
    picks.forEach((index, n) => {
      if (n < deletions) {
        deleted.add(index);
        return;
      }
      // Change a short stretch in the middle of the line, as an edit would.
      const line = lines[index] ?? '';
      const at = Math.floor(line.length / 2);
      const updated = `${line.slice(0, at)}${random.hex(8)}${line.slice(at + 8)}`;
      lines[index] = updated;
      changedBytes += Buffer.byteLength(updated) + 1;
    });
    const kept = lines.filter((_l, i) => !deleted.has(i));
    for (let n = 0; n < deletions; n++) {
      const source = kept[random.int(0, kept.length - 1)] ?? '';
      const added = `${source.slice(0, -1)},"added":"${random.hex(12)}"}`;
      kept.push(added);
      changedBytes += Buffer.byteLength(added) + 1;
    }
    await writeFile(path, `${kept.join('\n')}\n`);
  }
  return changedBytes;
}
