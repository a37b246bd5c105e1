/**
 * cdk-nag's AwsSolutions pack on both test stacks (default and demo configuration): synthesis
 * fails on any unacknowledged error, so a synth that completes is the proof. Every
 * acknowledgement names one finding (for IAM5, one wildcard resource that the policy really has)
 * and says why it cannot be fixed; their number is pinned so that a new one is a decision.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStack, demoConfig, testApp, testEnv } from './cdk-app.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
  readonly scope: IConstruct;
}

let app: App;
let report: unknown;
let synthError: unknown;

beforeAll(() => {
  app = testApp();
  addStack(app, 'Plain', {});
  addStack(app, 'Demo', demoConfig, testEnv);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (err) {
    synthError = err;
  }
  try {
    report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  } catch {
    report = undefined;
  }
});

function acknowledgements(): Acknowledgement[] {
  return app.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: scope.node.path, id, reason, scope }))),
  );
}

interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: readonly unknown[];
  readonly suppressedViolations?: readonly { readonly acknowledgedId: string; readonly acknowledgedAt: string; readonly reason: string }[];
}

function nagReport(): PluginReport | undefined {
  return (report as { pluginReports?: PluginReport[] } | undefined)?.pluginReports?.find((r) => r.pluginName === 'AwsSolutions');
}

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error or warning in either stack', () => {
    expect(synthError, JSON.stringify(report, null, 1)).toBeUndefined();
    const nag = nagReport();
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
  });

  it('has exactly the acknowledgements decided on, each matching a real finding', () => {
    const acks = acknowledgements();
    // 13 per stack: L1 (the runtime) and six IAM5 wildcard resources of the scheduled job; L1, "*" and
    // four object prefixes shared by the rollback's Task functions; 26 for the admin API, the portal and
    // its asset copy, the absent web ACL (README "Deploy" is to cite this number).
    expect(acks.filter((a) => a.path.startsWith('Plain/Rollback'))).toHaveLength(6);
    expect(acks.filter((a) => /^Plain\/(AdminApi|Portal|Custom::CDKBucketDeployment)/.test(a.path))).toHaveLength(26);
    expect(acks.filter((a) => a.path.startsWith('Plain/')).map((a) => `${a.path} ${a.id}`)).toHaveLength(39);
    // The demo stack replicates its vault: four more, for the replication role CDK makes.
    expect(acks.filter((a) => a.path.startsWith('Demo/Vault/Bucket'))).toHaveLength(4);
    expect(acks.filter((a) => a.path.startsWith('Demo/'))).toHaveLength(43);
    const used = new Set((nagReport()?.suppressedViolations ?? []).map((v) => `${v.acknowledgedAt} ${v.acknowledgedId}`));
    for (const a of acks) expect(used.has(`${a.path} ${a.id}`), `${a.path} ${a.id} suppresses nothing`).toBe(true);
  });

  it('gives every acknowledgement its own specific reason', () => {
    const acks = acknowledgements().filter((a) => a.path.startsWith('Plain/'));
    for (const a of acks) expect(a.reason.length, a.id).toBeGreaterThan(80);
    expect(new Set(acks.map((a) => a.reason)).size).toBe(acks.length);
  });

  it('acknowledges IAM5 wildcards one resource (or CDK-granted action) at a time, each present in a policy of the acknowledging construct', () => {
    for (const a of acknowledgements().filter((x) => x.id.includes('IAM5'))) {
      const [, kind, resource] = /\[(Resource|Action)::(.*)\]$/.exec(a.id) ?? [];
      expect(resource, a.id).toBeDefined();
      const stack = Stack.of(a.scope);
      const policies = a.scope.node.findAll().filter((c) => c.node.id === 'DefaultPolicy');
      const resources = policies.flatMap((p) => {
        const doc = stack.resolve((p.node.defaultChild as { policyDocument?: unknown } | undefined)?.policyDocument) as { Statement: { Resource: unknown; Action: unknown }[] };
        const field = (st: { Resource: unknown; Action: unknown }): unknown => (kind === 'Action' ? st.Action : st.Resource);
        return doc.Statement.flatMap((st) => (Array.isArray(field(st)) ? (field(st) as unknown[]) : [field(st)])).map((r) => flattenCfnReference(r));
      });
      expect(resources, a.id).toContain(resource);
    }
  });
});
