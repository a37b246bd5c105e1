/**
 * Builds the live streams of a component from its plan: a DynamoDB table or an S3 prefix, each
 * both a snapshot source and a restore target. Scratch restores (drills) pass a different name.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ComponentPlan, Source } from '../core/plan.js';
import type { RecordStream, RestoreTarget } from '../core/snapshot/record-stream.js';
import { describeTable, DynamoTable, type TableDescription } from './dynamodb-table.js';
import { ObjectDigestCache } from './object-digest-cache.js';
import { S3Prefix } from './s3-prefix.js';

export type LiveStream = RecordStream & RestoreTarget;

export interface ComponentSources {
  /** The streams of a component, in the plan's source order. */
  streams(component: ComponentPlan): Promise<LiveStream[]>;
}

/**
 * How long a table's description is reused. Its key schema never changes while the table exists,
 * and its size only steers the scan's parallelism; a rollback opens each table a dozen times
 * (health checks, snapshot, restore, verify), each once is enough.
 */
const DESCRIPTION_TTL_MS = 5 * 60_000;

export class AwsComponentSources implements ComponentSources {
  private readonly descriptions = new Map<string, { readonly at: number; readonly description: Promise<TableDescription> }>();

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly s3: S3Client,
    /** Shared by every read of these sources: checks re-read only the objects that changed. */
    private readonly digests = new ObjectDigestCache(),
  ) {}

  streams(component: ComponentPlan): Promise<LiveStream[]> {
    return Promise.all(component.sources.map((source) => this.stream(source)));
  }

  async stream(source: Source): Promise<LiveStream> {
    if (source.type === 'dynamodb') return DynamoTable.open(this.dynamo, source.tableName, {}, await this.describe(source.tableName));
    return new S3Prefix(this.s3, source.bucketName, source.prefix, undefined, this.digests);
  }

  private describe(tableName: string): Promise<TableDescription> {
    const cached = this.descriptions.get(tableName);
    if (cached && Date.now() - cached.at < DESCRIPTION_TTL_MS) return cached.description;
    const description = describeTable(this.dynamo, tableName);
    // A failure (no such table) is not remembered: the next read asks again.
    description.catch(() => this.descriptions.delete(tableName));
    this.descriptions.set(tableName, { at: Date.now(), description });
    return description;
  }
}
