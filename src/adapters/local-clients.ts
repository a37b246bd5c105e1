/**
 * AWS SDK clients for the local services (DynamoDB Local and s3rver). Their settings are not
 * optional: see the comments on each.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

// Every SDK client prints a Node-version warning on Node 20; local runs are on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Region of every local client; the local services accept any, this one is just fixed. */
export const LOCAL_REGION = 'us-east-1';

/**
 * A DynamoDB client for DynamoDB Local at `endpoint`. DynamoDB Local runs with `-sharedDb`, so the
 * dummy credentials and the region do not select a separate database.
 *
 * @param overrides extra client settings, e.g. `{ maxAttempts: 1 }` for readiness polling.
 */
export function localDynamoClient(endpoint: string, overrides: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...overrides,
  });
}

/**
 * An S3 client for s3rver at `endpoint`.
 *
 * - `forcePathStyle`: s3rver would otherwise need a DNS name per bucket.
 * - `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise PutObject with a stream body uses
 *   aws-chunked framing, which s3rver stores inside the object without complaint.
 * - `responseChecksumValidation: 'WHEN_REQUIRED'`: s3rver returns no CRC checksums to validate.
 *
 * @param overrides extra client settings, e.g. `{ maxAttempts: 1 }` for readiness polling.
 */
export function localS3Client(endpoint: string, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...overrides,
  });
}
