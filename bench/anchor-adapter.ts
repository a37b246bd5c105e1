/**
 * The benchmark adapter of ../shared/bench/README.md over the real snapshot engine, with the
 * filesystem object store and a catalog file under REPO, so that it measures the engine rather
 * than an emulator. Each *.jsonl file is a component and each line a record; restore writes the
 * files back byte for byte.
 *
 *   anchor-adapter init REPO | backup REPO SRC_DIR | restore REPO TARGET_DIR | check REPO | list REPO
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open as openFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { once } from 'node:events';
import { FsObjectStore } from '../src/adapters/fs-object-store.js';
import { LocalKeyService } from '../src/adapters/local-key-service.js';
import { ZstdCompressor } from '../src/adapters/zstd-compressor.js';
import { systemClock } from '../src/core/ports.js';
import { SnapshotReader } from '../src/core/snapshot/snapshot-reader.js';
import type { SnapshotSummary } from '../src/core/snapshot/snapshot-summary.js';
import { SnapshotVerifier } from '../src/core/snapshot/snapshot-verifier.js';
import type { RecordStream, SnapshotRecord } from '../src/core/snapshot/record-stream.js';
import { SnapshotWriter } from '../src/core/snapshot/snapshot-writer.js';
import { VaultReader, type VaultDeps } from '../src/core/snapshot/vault-reader.js';

interface BenchCatalog {
  snapshots: { component: string; snapshotId: string; createdAt: string }[];
}

const EMPTY_KEY = Buffer.alloc(0);

/**
 * Lines of a file as records, each with its newline. The file is read into one reused buffer: a
 * batch's records point into it, and the engine copies what it keeps before asking for the next
 * batch, so memory does not grow with a stream of fresh read chunks waiting for the collector.
 */
function lineStream(path: string, name: string): RecordStream {
  return {
    descriptor: { type: 'file', name },
    async *read() {
      const file = await openFile(path, 'r');
      try {
        let buffer = Buffer.allocUnsafe(1 << 20);
        let filled = 0;
        for (;;) {
          if (filled === buffer.length) {
            // A line longer than the buffer: grow it.
            const grown = Buffer.allocUnsafe(buffer.length * 2);
            buffer.copy(grown, 0, 0, filled);
            buffer = grown;
          }
          const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
          const end = filled + bytesRead;
          const batch: SnapshotRecord[] = [];
          let start = 0;
          for (let nl = buffer.indexOf(10, start); nl >= 0 && nl < end; nl = buffer.indexOf(10, start)) {
            batch.push({ key: EMPTY_KEY, body: buffer.subarray(start, nl + 1) });
            start = nl + 1;
          }
          if (bytesRead === 0) {
            if (start < end) yield [{ key: EMPTY_KEY, body: buffer.subarray(start, end) }];
            return;
          }
          if (batch.length > 0) yield batch;
          buffer.copy(buffer, 0, start, end);
          filled = end - start;
        }
      } finally {
        await file.close();
      }
    },
  };
}

async function findJsonl(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

function componentName(root: string, file: string): string {
  return relative(root, file).split(sep).join('__').replace(/\.jsonl$/, '').replace(/[^a-zA-Z0-9_-]/g, '-');
}

async function open(repo: string): Promise<{ deps: VaultDeps; catalog: BenchCatalog; save: () => Promise<void> }> {
  const keys = await LocalKeyService.fromFile(join(repo, 'keys', 'master.key'), { create: false });
  const deps: VaultDeps = { store: new FsObjectStore(join(repo, 'vault')), keys, compressor: new ZstdCompressor() };
  const catalogPath = join(repo, 'catalog.json');
  const catalog = JSON.parse(await readFile(catalogPath, 'utf8')) as BenchCatalog;
  return { deps, catalog, save: () => writeFile(catalogPath, JSON.stringify(catalog)) };
}

function latest(catalog: BenchCatalog): Map<string, string> {
  const found = new Map<string, string>();
  for (const s of catalog.snapshots) found.set(s.component, s.snapshotId);
  return found;
}

async function init(repo: string): Promise<void> {
  await mkdir(join(repo, 'vault'), { recursive: true, mode: 0o700 });
  await LocalKeyService.fromFile(join(repo, 'keys', 'master.key'), { create: true });
  await writeFile(join(repo, 'catalog.json'), JSON.stringify({ snapshots: [] } satisfies BenchCatalog));
}

async function backup(repo: string, src: string): Promise<void> {
  const { deps, catalog, save } = await open(repo);
  const vault = new VaultReader(deps);
  const writer = new SnapshotWriter(deps, { clock: systemClock, packTargetBytes: 4 << 20, packsInFlight: 3 });
  const parents = latest(catalog);
  const stamp = Date.now().toString(36);
  let stored = 0;
  for (const file of await findJsonl(src)) {
    const component = componentName(src, file);
    const parentId = parents.get(component);
    const parent = parentId ? await vault.readSummary(component, parentId) : null;
    const summary = await writer.write({
      component,
      snapshotId: `snap-${stamp}-${component}`,
      purpose: 'component',
      type: 'incremental',
      recoveryPointId: null,
      parent,
      streams: [lineStream(file, component)],
    });
    stored += summary.storedBytes;
    catalog.snapshots.push({ component, snapshotId: summary.snapshotId, createdAt: summary.createdAt });
  }
  await save();
  process.stderr.write(`stored ${stored} new bytes\n`);
}

async function restore(repo: string, target: string): Promise<void> {
  const { deps, catalog } = await open(repo);
  const vault = new VaultReader(deps);
  const reader = new SnapshotReader(vault, { prefetchPacks: 3 });
  await mkdir(target, { recursive: true });
  for (const [component, snapshotId] of latest(catalog)) {
    const summary: SnapshotSummary = await vault.readSummary(component, snapshotId);
    const out = createWriteStream(join(target, `${component.split('__').join(sep)}.jsonl`), { highWaterMark: 1 << 22 });
    for (const stream of summary.streams) {
      // A run's records are contiguous in their pack and the file's lines are the records in
      // order, so each run is written as one slice.
      for await (const slice of reader.streamRuns(summary, stream)) {
        if (!out.write(slice.bytes)) await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');
  }
}

async function check(repo: string): Promise<number> {
  const { deps, catalog } = await open(repo);
  const verifier = new SnapshotVerifier(new VaultReader(deps));
  const problems = [];
  for (const s of catalog.snapshots) problems.push(...(await verifier.verifyById(s.component, s.snapshotId)));
  const report = verifier.report(catalog.snapshots.length, problems);
  for (const p of problems) process.stderr.write(`${p.objectKey ?? p.snapshotId}: ${p.message}\n`);
  process.stdout.write(`checked ${report.snapshots} snapshots, ${report.packs} packs, ${report.records} records, ${problems.length} problems\n`);
  return problems.length === 0 ? 0 : 5;
}

async function main(argv: string[]): Promise<number> {
  const [op, repo, arg] = argv;
  if (!op || !repo) {
    process.stderr.write('usage: anchor-adapter init|backup|restore|check|list REPO [DIR]\n');
    return 2;
  }
  switch (op) {
    case 'init':
      await init(repo);
      return 0;
    case 'backup':
      if (!arg) return 2;
      await backup(repo, arg);
      return 0;
    case 'restore':
      if (!arg) return 2;
      await restore(repo, arg);
      return 0;
    case 'check':
      return check(repo);
    case 'list': {
      const { catalog } = await open(repo);
      for (const s of catalog.snapshots) process.stdout.write(`${s.createdAt} ${s.component} ${s.snapshotId}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown operation ${op}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`anchor-adapter: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
