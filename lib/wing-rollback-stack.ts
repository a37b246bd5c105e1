/**
 * The Wing Rollback stack, composed from its configuration (lib/config.ts): the vault and its
 * key, the system table, the notification topics and event rule, the WING component tables and
 * buckets (imported, or created for a demo), the scheduled-job Lambda with exactly the access its
 * jobs need, the plan's schedules, and the alarms and dashboard. Its outputs carry the names the
 * CLI's `--target aws` reads (src/adapters/stack-outputs.ts), including the digest of the plan it
 * was built from.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../src/adapters/stack-outputs.js';
import { planDigest } from '../src/core/plan.js';
import { BackupSchedules } from './backup-schedules.js';
import { BackupVault } from './backup-vault.js';
import { ComponentResources } from './component-resources.js';
import type { WingRollbackConfig } from './config.js';
import { Monitoring } from './monitoring.js';
import { Notifications } from './notifications.js';
import { SystemTable } from './system-table.js';
import { WingFunction } from './wing-function.js';

export interface WingRollbackStackProps extends StackProps {
  readonly config: WingRollbackConfig;
}

export class WingRollbackStack extends Stack {
  readonly vault: BackupVault;
  readonly systemTable: SystemTable;
  readonly notifications: Notifications;
  readonly components: ComponentResources;
  readonly scheduledJob: WingFunction;
  readonly schedules: BackupSchedules;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: WingRollbackStackProps) {
    super(scope, id, props);
    const { config } = props;
    const plan = config.plan;

    this.vault = new BackupVault(this, 'Vault', {
      vaultBucketName: plan.vaultBucket,
      auditBucketName: plan.auditBucket,
      coldStorageAfterDays: config.vault.coldStorageAfterDays,
      noncurrentVersionDays: config.vault.noncurrentVersionDays,
      ...(config.vault.objectLockDays === undefined ? {} : { objectLockDays: config.vault.objectLockDays }),
    });
    const key = this.vault.key;
    this.systemTable = new SystemTable(this, 'SystemTable', { tableName: plan.systemTable, encryptionKey: key });
    this.notifications = new Notifications(this, 'Notifications', {
      key,
      adminEmails: config.adminEmails,
      userNoticeEmails: config.userNoticeEmails,
      eventBusName: config.eventBusName,
      forwardEvents: config.forwardEvents,
      eventLogRetention: config.logRetention,
    });
    this.components = new ComponentResources(this, 'Components', { plan, create: config.createDemoComponents, encryptionKey: key, accessLogsBucket: this.vault.accessLogsBucket });

    // Backups, retention, health checks and drills: the system table, the vault, the audit
    // bucket, every component source (read only), the drills' scratch tables, key, topics, bus.
    const job = new WingFunction(this, 'ScheduledJob', {
      entry: 'lambdas/scheduled-job.ts',
      description: 'Wing Rollback scheduled jobs: backups, retention, health checks, restore drills',
      timeout: Duration.minutes(15),
      // One full vCPU: compression runs on the threadpool beside reading and hashing.
      memorySize: 1769,
      logRetention: config.logRetention,
    });
    job
      .bindPlan(plan)
      .bindKey(key)
      .bindTable(this.systemTable.table, 'readWrite')
      .bindBucket(this.vault.bucket, 'readWrite')
      .bindBucket(this.vault.auditBucket, 'append')
      .bindTopic(this.notifications.adminTopic, 'admin')
      .bindTopic(this.notifications.userTopic, 'users')
      .bindEventBus(this.notifications.eventBus)
      .bindScratchTables(`${plan.systemTable}-drill-`);
    for (const c of plan.components) {
      for (const source of c.sources) {
        if (source.type === 'dynamodb') job.bindTable(this.componentTable(source.tableName), 'read');
        else job.bindBucket(this.componentBucket(source.bucketName), 'read', source.prefix);
      }
    }
    this.scheduledJob = job;

    this.schedules = new BackupSchedules(this, 'Schedules', { plan, target: job.function });
    this.monitoring = new Monitoring(this, 'Monitoring', { plan, alarmTopic: this.notifications.adminTopic, functions: { ScheduledJob: job.function } });

    const output = (name: string, value: string, description: string): void => {
      new CfnOutput(this, name, { value, description });
    };
    output(STACK_OUTPUTS.systemTableName, this.systemTable.table.tableName, 'The rollback system\'s own table');
    output(STACK_OUTPUTS.vaultBucketName, this.vault.bucket.bucketName, 'The vault bucket (packs, manifests, summaries)');
    output(STACK_OUTPUTS.auditBucketName, this.vault.auditBucket.bucketName, 'The Object-Locked audit bucket');
    output(STACK_OUTPUTS.kmsKeyArn, key.keyArn, 'The vault key');
    output(STACK_OUTPUTS.eventBusName, this.notifications.eventBus.eventBusName, 'The bus of the wing.rollback events');
    output(STACK_OUTPUTS.adminTopicArn, this.notifications.adminTopic.topicArn, 'The administrators\' topic');
    output(STACK_OUTPUTS.userTopicArn, this.notifications.userTopic.topicArn, 'The users\' service-notice topic');
    output(STACK_OUTPUTS.planDigest, planDigest(plan), 'The digest of the plan this stack was built from (the CLI compares its own)');
  }

  private componentTable(name: string) {
    const table = this.components.tables.get(name);
    if (!table) throw new Error(`no table ${name} among the component resources`);
    return table;
  }

  private componentBucket(name: string) {
    const bucket = this.components.buckets.get(name);
    if (!bucket) throw new Error(`no bucket ${name} among the component resources`);
    return bucket;
  }
}
