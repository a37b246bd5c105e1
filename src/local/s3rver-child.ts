/**
 * Child process entry that hosts s3rver; started by local-services.ts, never imported.
 *
 * It runs in its own process because s3rver needs `NODE_OPTIONS=--openssl-legacy-provider`
 * (paginated ListObjectsV2 fails with 500 otherwise), which must not apply to the parent.
 *
 * Protocol: argv[2] is JSON `{ "directory": string, "port": number }`. When listening, one line
 * `{"port":N}` goes to stdout. The process exits when its stdin ends: stdin is a pipe from the
 * parent, so even a SIGKILLed parent takes this process with it.
 */
import { createRequire } from 'node:module';

interface S3rverOptions {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
}
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: S3rverOptions) => S3rverInstance;

// s3rver is CommonJS and ships no types; the two methods used here are typed above.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

const config = JSON.parse(process.argv[2] ?? '{}') as { directory?: unknown; port?: unknown };
if (typeof config.directory !== 'string' || typeof config.port !== 'number') {
  process.stderr.write('s3rver-child: expected argv[2] = {"directory": string, "port": number}\n');
  process.exit(2);
}

// Objects and metadata files are 0600 like everything else in the state folder.
process.umask(0o077);

const server = new S3rver({ address: '127.0.0.1', port: config.port, directory: config.directory, silent: true });
const { port } = await server.run();

let stopping = false;
function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  // Idle keep-alive connections of SDK clients can hold close() open; files are already written,
  // so do not wait long for it.
  const forced = setTimeout(() => process.exit(exitCode), 1000);
  forced.unref();
  server.close().then(
    () => process.exit(exitCode),
    () => process.exit(exitCode),
  );
}

process.stdin.on('end', () => { stop(0); });
process.stdin.on('error', () => { stop(0); });
process.stdin.resume();
process.on('SIGTERM', () => { stop(0); });
process.on('SIGINT', () => { stop(0); });

process.stdout.write(`${JSON.stringify({ port })}\n`);
