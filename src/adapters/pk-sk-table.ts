/**
 * Tables keyed like every table of this system and of WING: string `pk` (HASH) and `sk` (RANGE),
 * on demand. Creation is idempotent and safe against a concurrent creator.
 */
import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

const TABLE_WAIT_SECONDS = 120;

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : '';
}

/** Creates the table unless it exists, and waits until it is ACTIVE. */
export async function ensurePkSkTable(dynamo: DynamoDBClient, table: string): Promise<void> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: table }));
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (createErr) {
      // Someone else created it between our describe and create: that is what we wanted.
      if (errorName(createErr) !== 'ResourceInUseException') throw createErr;
    }
  }
  // Also covers a table found in CREATING state.
  await waitUntilTableExists(
    { client: dynamo, maxWaitTime: TABLE_WAIT_SECONDS, minDelay: 1, maxDelay: 2 },
    { TableName: table },
  );
}

