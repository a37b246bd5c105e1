/**
 * Builds the live streams of a component from its plan: a DynamoDB table or an S3 prefix, each
 * both a snapshot source and a restore target. Scratch restores (drills) pass a different name.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ComponentPlan, Source } from '../core/plan.js';
import type { RecordStream, RestoreTarget } from '../core/snapshot/record-stream.js';
import { DynamoTable } from './dynamodb-table.js';
import { ObjectDigestCache } from './object-digest-cache.js';
import { S3Prefix } from './s3-prefix.js';

export type LiveStream = RecordStream & RestoreTarget;

export interface ComponentSources {
  /** The streams of a component, in the plan's source order. */
  streams(component: ComponentPlan): Promise<LiveStream[]>;
}

export class AwsComponentSources implements ComponentSources {
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
    if (source.type === 'dynamodb') return DynamoTable.open(this.dynamo, source.tableName);
    return new S3Prefix(this.s3, source.bucketName, source.prefix, undefined, this.digests);
  }
}
