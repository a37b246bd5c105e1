/**
 * Test support: real local services (DynamoDB Local, s3rver) on a temporary state folder, and a
 * runtime over them, initialised with a small demo data set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { encodeItem } from '../../src/core/canonical-item.js';
import type { Clock } from '../../src/core/ports.js';
import { defaultPlanInput, parsePlan, type Plan } from '../../src/core/plan.js';
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

/**
 * `plan`: the default plan with room for many rollbacks an hour (a test file runs more than the
 * default 3), unless the test gives its own.
 */
export async function startLocalTestEnv(options: { demo?: boolean; scale?: number; clock?: Clock; plan?: Plan } = {}): Promise<LocalTestEnv> {
  const home = await mkdtemp(join(tmpdir(), 'wing-test-'));
  const services = await startLocalServices({ home });
  const plan = options.plan ?? parsePlan({ ...defaultPlanInput(), security: { rollbackStartsPerHour: 100 } });
  const runtime = await openLocalRuntime({ home, plan, endpoints: services.endpoints, createKey: true, ...(options.clock ? { clock: options.clock } : {}) });
  const init = await initLocal(runtime, { demo: options.demo ?? true, scale: options.scale ?? 0.01, env: TEST_ADMIN });
  return {
    home,
    services,
    runtime,
    init,
    async dispose() {
      await runtime.close();
      await services.stop();
      // A rollback's last log line may still be landing as the test ends.
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/** A table's items as "pk|sk" -> canonical bytes, for comparing states exactly. */
export async function tableState(env: LocalTestEnv, table: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await env.runtime.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) out.set(`${item.pk?.S ?? ''}|${item.sk?.S ?? ''}`, encodeItem(item).toString('utf8'));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
