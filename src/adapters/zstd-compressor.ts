/**
 * zstd through @mongodb-js/zstd's native binding, which runs on libuv's threadpool: two
 * compressions in flight use both cores while the main thread reads and hashes. The package's JS
 * wrapper ignores the level, so the binding is called directly.
 */
import { createRequire } from 'node:module';
import type { Compressor } from '../core/ports.js';

interface ZstdBinding {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const require = createRequire(import.meta.url);
const binding = require('@mongodb-js/zstd/bindings.js') as ZstdBinding;

export class ZstdCompressor implements Compressor {
  /** @param level zstd level; 3 is zstd's default balance of speed and size. */
  constructor(private readonly level = 3) {}

  compress(data: Buffer): Promise<Buffer> {
    return binding.compress(data, this.level);
  }

  decompress(data: Buffer): Promise<Buffer> {
    return binding.decompress(data);
  }
}
