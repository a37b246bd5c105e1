/**
 * The Wing Rollback stack, composed from its configuration (lib/config.ts): the vault and its
 * key, the system table, the notification topics and event rule, the WING component tables and
 * buckets (imported, or created for a demo), the scheduled-job Lambda with exactly the access its
 * jobs need, the plan's schedules, the admin API (API Gateway, a function per route group) with
 * the portal on CloudFront in front of it (and AWS WAF on both when `waf.enabled`), and the
 * alarms and dashboard. Its outputs carry the names the
 * CLI's `--target aws` reads (src/adapters/stack-outputs.ts), including the digest of the plan it
 * was built from.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../src/adapters/stack-outputs.js';
import { planDigest } from '../src/core/plan.js';
import { AdminApi, PORTAL_ORIGIN_HEADER } from './admin-api.js';
import { AdminPortal } from './admin-portal.js';
import { BackupSchedules } from './backup-schedules.js';
import { BackupVault } from './backup-vault.js';
import { ComponentResources } from './component-resources.js';
import type { WingRollbackConfig } from './config.js';
import { Monitoring } from './monitoring.js';
import { Notifications } from './notifications.js';
import { RollbackStateMachine } from './rollback-state-machine.js';
import type { SystemResources } from './system-resources.js';
import { SystemTable } from './system-table.js';
import { acknowledgeNoWebAcl, WebAcls } from './web-acl.js';
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
  /** The emergency rollback: its state machine (`rollback.stateMachine`) and one function per Task. */
  readonly rollback: RollbackStateMachine;
  /** The admin API (API Gateway, one function per route group) and the portal (CloudFront) in front of it. */
  readonly adminApi: AdminApi;
  readonly portal: AdminPortal;
  /** The web ACLs of API and portal, when `waf.enabled`. */
  readonly webAcls: WebAcls | undefined;
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
      ...(config.vault.replication === undefined ? {} : { replication: config.vault.replication }),
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

    const resources: SystemResources = {
      plan,
      systemTable: this.systemTable.table,
      vaultBucket: this.vault.bucket,
      auditBucket: this.vault.auditBucket,
      key,
      adminTopic: this.notifications.adminTopic,
      userTopic: this.notifications.userTopic,
      eventBus: this.notifications.eventBus,
      componentTables: this.components.tables,
      componentBuckets: this.components.buckets,
      logRetention: config.logRetention,
    };
    this.rollback = new RollbackStateMachine(this, 'Rollback', resources);
    this.adminApi = new AdminApi(this, 'AdminApi', { ...resources, stateMachine: this.rollback.stateMachine });
    const apiOrigin = { header: PORTAL_ORIGIN_HEADER, value: this.adminApi.portalOriginSecret.secretValue.unsafeUnwrap() };
    this.webAcls = config.waf.enabled
      ? new WebAcls(this, 'WebAcls', { rules: plan.security, rateLimit: config.waf.rateLimit, apiStage: this.adminApi.api.deploymentStage, portalOrigin: apiOrigin, cloudFrontWebAclArn: config.waf.cloudFrontWebAclArn, logRetention: config.logRetention })
      : undefined;
    this.portal = new AdminPortal(this, 'Portal', {
      api: this.adminApi.api,
      apiOrigin,
      allowedCountries: plan.security.allowedCountries,
      serverAccessLogsBucket: this.vault.accessLogsBucket,
      webAclArn: this.webAcls?.cloudFrontWebAclArn,
      domainName: config.portal.domainName,
      certificateArn: config.portal.certificateArn,
      logRetention: config.logRetention,
    });
    if (!this.webAcls) acknowledgeNoWebAcl(this.adminApi.api.deploymentStage, this.portal.distribution);

    this.schedules = new BackupSchedules(this, 'Schedules', { plan, target: job.function });
    this.monitoring = new Monitoring(this, 'Monitoring', { plan, alarmTopic: this.notifications.adminTopic, functions: { ScheduledJob: job.function }, stateMachine: this.rollback.stateMachine, api: this.adminApi.api });

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
    output(STACK_OUTPUTS.stateMachineArn, this.rollback.stateMachine.stateMachineArn, 'The emergency rollback state machine');
    output(STACK_OUTPUTS.adminApiUrl, this.adminApi.url, 'The admin API (the CLI\'s --target aws calls it; ends in /api)');
    output(STACK_OUTPUTS.portalUrl, this.portal.url, 'The admin portal (sign in there; it calls the API at /api on the same origin)');
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
