/**
 * The live data of a plan's components, read through the same SnapshotView the cross-component
 * checks use on snapshots: the health monitor runs those checks unchanged on what the tables and
 * buckets hold now. Live streams yield the canonical bytes a snapshot stores, so the decoding is
 * the snapshot view's own.
 */
import type { ComponentSources, LiveStream } from '../adapters/component-sources.js';
import { asError, WingError } from '../core/errors.js';
import { componentByName, type ComponentPlan, type Plan, type Source } from '../core/plan.js';
import type { SnapshotRecord } from '../core/snapshot/record-stream.js';
import { objectDigestOf, snapshotView, type SnapshotView, type StreamRecordSource } from './snapshot-view.js';

/** A source as its stream's descriptor names it. */
function sourceName(source: Source): string {
  return source.type === 'dynamodb' ? source.tableName : `s3://${source.bucketName}/${source.prefix}`;
}

/** The live streams of a component; a failure names its sources and the component. */
async function openStreams(sources: ComponentSources, component: ComponentPlan): Promise<LiveStream[]> {
  try {
    return await sources.streams(component);
  } catch (err) {
    throw new WingError(`cannot open ${component.sources.map(sourceName).join(', ')} of component "${component.name}": ${asError(err).message}`, { cause: err });
  }
}

/**
 * The live records of a component, batch by batch, from its streams of `type` (all of them when
 * omitted). A failure is rethrown naming the source and component, because the SDK's messages
 * often name neither (DynamoDB Local: "Cannot do operations on a non-existent table"), and a check
 * of one component may be reading another.
 */
export async function* liveRecordBatches(
  sources: ComponentSources,
  component: ComponentPlan,
  type?: 'dynamodb' | 's3',
): AsyncGenerator<readonly SnapshotRecord[]> {
  for (const stream of await openStreams(sources, component)) {
    if (type !== undefined && stream.descriptor.type !== type) continue;
    try {
      yield* stream.scan();
    } catch (err) {
      throw new WingError(`cannot read ${stream.descriptor.name} of component "${component.name}": ${asError(err).message}`, { cause: err });
    }
  }
}

/**
 * How many live records a component has. Streams that can list without reading bodies (an S3
 * prefix) are counted from the listing: reading every document body only to count it would
 * double the cost of a health check, whose validators read them anyway.
 */
export async function liveRecordCount(sources: ComponentSources, component: ComponentPlan): Promise<number> {
  let count = 0;
  for (const stream of await openStreams(sources, component)) {
    try {
      const batches = stream.scanFingerprints ? stream.scanFingerprints() : stream.scan();
      for await (const batch of batches) count += batch.length;
    } catch (err) {
      throw new WingError(`cannot read ${stream.descriptor.name} of component "${component.name}": ${asError(err).message}`, { cause: err });
    }
  }
  return count;
}

/**
 * A view of the live records of any component of `plan`. Every read scans the sources afresh, in
 * batches, so nothing is held between reads and a check sees the data as it is when it reads.
 */
export function liveView(plan: Plan, sources: ComponentSources): SnapshotView {
  const source: StreamRecordSource = {
    async *records(component, type) {
      for await (const batch of liveRecordBatches(sources, componentByName(plan, component), type)) {
        for (const record of batch) yield record.body;
      }
    },
    // Digests through the streams' digest cache where they have one: a check re-reads only the changed bodies.
    async *objectDigests(component) {
      for (const stream of await openStreams(sources, componentByName(plan, component))) {
        if (stream.descriptor.type !== 's3') continue;
        try {
          if (stream.scanDigests) {
            for await (const batch of stream.scanDigests()) yield* batch;
          } else {
            for await (const batch of stream.scan()) for (const record of batch) yield objectDigestOf(record.body);
          }
        } catch (err) {
          throw new WingError(`cannot read ${stream.descriptor.name} of component "${component}": ${asError(err).message}`, { cause: err });
        }
      }
    },
  };
  return snapshotView(source);
}
