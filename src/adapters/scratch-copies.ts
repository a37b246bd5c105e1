/**
 * Scratch copies for a restore drill: empty DynamoDB tables shaped like the component's tables,
 * and a prefix of the vault bucket for its S3 sources, all named after the drill so that they
 * never meet live data and a drill that died can be found and removed by name. `remove()` deletes
 * everything the drill created.
 */
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, ListTablesCommand, waitUntilTableExists, type AttributeDefinition, type DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { asError, WingError } from '../core/errors.js';
import { withRetry } from '../core/retry.js';
import { vaultLayout } from '../core/vault-layout.js';
import type { LiveStream } from './component-sources.js';
import { DynamoTable } from './dynamodb-table.js';
import { S3Prefix } from './s3-prefix.js';

/** Where the scratch objects of drills live in the vault bucket. */
export const DRILL_PREFIX = vaultLayout.drillsPrefix;

export class ScratchCopies {
  private readonly tables: string[] = [];
  private readonly prefix: string;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** Names the copies: `<tablePrefix>-<drillId>-<n>`, `drills/<drillId>/`. */
    private readonly tablePrefix: string,
    private readonly drillId: string,
  ) {
    this.prefix = vaultLayout.drillPrefix(drillId);
  }

  /**
   * The drills that left copies behind, by drill id (as the names spell it): scratch tables named
   * `<tablePrefix>-<drillId>-<n>` and prefixes `drills/<drillId>/`. A drill that died (a Lambda
   * timeout, a killed process) never ran its `remove()`; the next drill finds and removes them.
   */
  static async leftovers(dynamo: DynamoDBClient, s3: S3Client, bucket: string, tablePrefix: string): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const add = (drillId: string, table?: string): void => {
      found.set(drillId, [...(found.get(drillId) ?? []), ...(table !== undefined ? [table] : [])]);
    };
    let start: string | undefined;
    do {
      const page = await withRetry(() => dynamo.send(new ListTablesCommand({ ExclusiveStartTableName: start })));
      for (const name of page.TableNames ?? []) {
        const m = name.startsWith(`${tablePrefix}-`) ? /^(.+)-\d+$/.exec(name.slice(tablePrefix.length + 1)) : null;
        if (m?.[1] !== undefined) add(m[1], name);
      }
      start = page.LastEvaluatedTableName;
    } while (start !== undefined);
    let token: string | undefined;
    do {
      const page = await withRetry(() => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DRILL_PREFIX, Delimiter: '/', ContinuationToken: token })));
      for (const p of page.CommonPrefixes ?? []) {
        const id = p.Prefix?.slice(DRILL_PREFIX.length, -1);
        if (id) add(id);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** The copies of a drill that died, to remove: its tables as found, its prefix. */
  static of(dynamo: DynamoDBClient, s3: S3Client, bucket: string, tablePrefix: string, drillId: string, tables: readonly string[]): ScratchCopies {
    const copies = new ScratchCopies(dynamo, s3, bucket, tablePrefix, drillId);
    copies.tables.push(...tables);
    return copies;
  }

  /** The scratch tables and prefix this drill created so far (for its record and its log). */
  get names(): { tables: readonly string[]; prefix: string } {
    return { tables: [...this.tables], prefix: `s3://${this.bucket}/${this.prefix}` };
  }

  /**
   * An empty table with the key schema of `liveTable` (on-demand capacity), ready to be written.
   * The live table is only described, never read or written.
   */
  async tableLike(liveTable: string): Promise<LiveStream> {
    const live = await withRetry(() => this.dynamo.send(new DescribeTableCommand({ TableName: liveTable })));
    const keySchema: KeySchemaElement[] = live.Table?.KeySchema ?? [];
    const keyNames = new Set(keySchema.map((k) => k.AttributeName));
    const attributes: AttributeDefinition[] = (live.Table?.AttributeDefinitions ?? []).filter((a) => keyNames.has(a.AttributeName));
    if (keySchema.length === 0) throw new WingError(`cannot copy the key schema of ${liveTable} for a drill: DescribeTable gave none`);
    const name = `${this.tablePrefix}-${this.drillId}-${String(this.tables.length)}`.slice(0, 255);
    await withRetry(() => this.dynamo.send(new CreateTableCommand({ TableName: name, KeySchema: keySchema, AttributeDefinitions: attributes, BillingMode: 'PAY_PER_REQUEST' })));
    // Recorded before it is ready: a drill that fails while waiting still removes it.
    this.tables.push(name);
    await waitUntilTableExists({ client: this.dynamo, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: name });
    return DynamoTable.open(this.dynamo, name);
  }

  /** A fresh prefix of the vault bucket for one S3 source of a component. */
  prefixFor(component: string, stream: number): LiveStream {
    return new S3Prefix(this.s3, this.bucket, `${this.prefix}${component}/${String(stream)}/`);
  }

  /** Deletes every scratch table and object; tries them all and reports what it could not remove. */
  async remove(): Promise<void> {
    const failures: string[] = [];
    for (const table of this.tables.splice(0)) {
      try {
        await withRetry(() => this.dynamo.send(new DeleteTableCommand({ TableName: table })));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') failures.push(`table ${table}: ${asError(err).message}`);
      }
    }
    try {
      let token: string | undefined;
      do {
        const page = await withRetry(() => this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token })));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key !== undefined ? [{ Key: o.Key }] : []));
        if (keys.length > 0) await withRetry(() => this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } })));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      failures.push(`objects under s3://${this.bucket}/${this.prefix}: ${asError(err).message}`);
    }
    if (failures.length > 0) throw new WingError(`the drill's scratch copies could not all be removed (${failures.join('; ')}): delete them by hand`);
  }
}
