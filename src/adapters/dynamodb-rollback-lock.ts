/**
 * The rollback lock as one item of the system table (pk `LOCK`, sk `rollback`), taken and released
 * with conditional writes against the injectable clock.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { LockHolder, RollbackLock } from '../core/rollback-lock.js';
import type { SystemTable } from './system-table.js';

const KEY = { pk: { S: 'LOCK' }, sk: { S: 'rollback' } };

export class DynamoRollbackLock implements RollbackLock {
  constructor(
    private readonly table: SystemTable,
    private readonly clock: Clock,
  ) {}

  /** Writes `owner` as the holder when `condition` holds; false when it does not. */
  private async putHolder(owner: string, purpose: string, leaseMs: number, condition: string, values: Record<string, { S: string } | { N: string }>): Promise<LockHolder | undefined> {
    const now = this.clock.now();
    const holder: LockHolder = { owner, purpose, acquiredAt: now.toISOString(), leaseUntil: new Date(now.getTime() + leaseMs).toISOString() };
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: { ...KEY, owner: { S: owner }, leaseUntil: { N: String(now.getTime() + leaseMs) }, data: { S: JSON.stringify(holder) } },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ...values },
        }),
      );
      return holder;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async acquire(owner: string, purpose: string, leaseMs: number): Promise<LockHolder> {
    const taken = await this.putHolder(owner, purpose, leaseMs, 'attribute_not_exists(pk) OR leaseUntil < :now OR #owner = :owner', {
      ':now': { N: String(this.clock.now().getTime()) },
    });
    if (taken) return taken;
    const current = await this.current();
    throw new ConflictError(
      current ? `the rollback lock is held by ${current.owner} for ${current.purpose} until ${current.leaseUntil}` : 'the rollback lock is held by another operation',
    );
  }

  async renew(owner: string, leaseMs: number): Promise<void> {
    const now = this.clock.now().getTime();
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: KEY,
          UpdateExpression: 'SET leaseUntil = :until',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':until': { N: String(now + leaseMs) }, ':owner': { S: owner } },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`${owner} no longer holds the rollback lock`);
      throw err;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.tableName,
          Key: KEY,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`${owner} does not hold the rollback lock`);
      throw err;
    }
  }

  async takeOver(expectedOwner: string, owner: string, purpose: string, leaseMs: number): Promise<LockHolder> {
    const taken = await this.putHolder(owner, purpose, leaseMs, 'attribute_not_exists(pk) OR #owner = :expected OR #owner = :owner', { ':expected': { S: expectedOwner } });
    if (taken) return taken;
    throw new ConflictError(`the rollback lock is no longer held by ${expectedOwner}: run "npx wing rollback:status" to see who holds it`);
  }

  current(): Promise<LockHolder | undefined> {
    return this.table.getDoc<LockHolder>('LOCK', 'rollback');
  }
}
