/**
 * Test support: real local services (DynamoDB Local, s3rver) on a temporary state folder, and a
 * runtime over them, initialised with a small demo data set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/ports.js';
import { initLocal, type InitResult } from '../../src/local/local-init.js';
import { openLocalRuntime, type LocalRuntime } from '../../src/local/local-runtime.js';
import { startLocalServices, type RunningServices } from '../../src/local/local-services.js';

export const TEST_ADMIN = {
  WING_ADMIN_USERNAME: 'admin',
  WING_ADMIN_PASSWORD: 'correct horse battery staple',
  WING_ADMIN_TOTP_SECRET: 'JBSWY3DPEHPK3PXPJBSWY3DP',
};

export interface LocalTestEnv {
  readonly home: string;
  readonly services: RunningServices;
  readonly runtime: LocalRuntime;
  readonly init: InitResult;
  dispose(): Promise<void>;
}

export async function startLocalTestEnv(options: { demo?: boolean; scale?: number; clock?: Clock } = {}): Promise<LocalTestEnv> {
  const home = await mkdtemp(join(tmpdir(), 'wing-test-'));
  const services = await startLocalServices({ home });
  const runtime = await openLocalRuntime({ home, endpoints: services.endpoints, createKey: true, ...(options.clock ? { clock: options.clock } : {}) });
  const init = await initLocal(runtime, { demo: options.demo ?? true, scale: options.scale ?? 0.01, env: TEST_ADMIN });
  return {
    home,
    services,
    runtime,
    init,
    async dispose() {
      await runtime.close();
      await services.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
