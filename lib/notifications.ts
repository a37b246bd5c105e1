/**
 * Who hears about what: the administrators' topic (alarms, rollback and health notices) and the
 * users' service-notice topic, both KMS-encrypted and SSL-only, with their email subscriptions;
 * the event bus the Lambdas put `wing.rollback` events on, and a rule forwarding those events
 * to a log group (an archive) or to the administrators' topic.
 */
import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../src/core/events.js';
import type { EventForwarding } from './config.js';

export interface NotificationsProps {
  /** Encrypts both topics (and the event archive). */
  readonly key: kms.IKey;
  /** @default none */
  readonly adminEmails?: readonly string[];
  /** @default none */
  readonly userNoticeEmails?: readonly string[];
  /** The bus the rollback system's events go to. @default 'default' */
  readonly eventBusName?: string;
  /** @default 'log-group' */
  readonly forwardEvents?: EventForwarding;
  /** Retention of the event archive. @default logs.RetentionDays.ONE_YEAR */
  readonly eventLogRetention?: logs.RetentionDays;
}

export class Notifications extends Construct {
  readonly adminTopic: sns.Topic;
  readonly userTopic: sns.Topic;
  readonly eventBus: events.IEventBus;
  /** The rule forwarding `wing.rollback` events, unless forwarding is `none`. */
  readonly eventRule: events.Rule | undefined;
  /** The event archive, when events are forwarded to a log group. */
  readonly eventLog: logs.LogGroup | undefined;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const key = props.key;

    this.adminTopic = new sns.Topic(this, 'AdminTopic', { displayName: 'Wing Rollback administrators', masterKey: key, enforceSSL: true });
    this.userTopic = new sns.Topic(this, 'UserNoticeTopic', { displayName: 'WING service notices', masterKey: key, enforceSSL: true });
    for (const email of props.adminEmails ?? []) this.adminTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const email of props.userNoticeEmails ?? []) this.userTopic.addSubscription(new subscriptions.EmailSubscription(email));

    // CloudWatch alarms publish to the encrypted administrators' topic: SNS encrypts with the key on their behalf.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    const busName = props.eventBusName ?? 'default';
    this.eventBus = events.EventBus.fromEventBusName(this, 'EventBus', busName);
    const forward = props.forwardEvents ?? 'log-group';
    this.eventLog = undefined;
    this.eventRule = undefined;
    if (forward === 'none') return;

    const rule = new events.Rule(this, 'EventsRule', {
      description: `Forwards the rollback system's events (source ${EVENT_SOURCE})`,
      eventBus: this.eventBus,
      eventPattern: { source: [EVENT_SOURCE] },
    });
    this.eventRule = rule;
    if (forward === 'admin-topic') {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EventsPublishToEncryptedTopics',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
      rule.addTarget(new targets.SnsTopic(this.adminTopic));
      return;
    }

    const stack = Stack.of(this);
    const eventLog = new logs.LogGroup(this, 'EventLog', {
      retention: props.eventLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.eventLog = eventLog;
    // CloudWatch Logs encrypts the archive with the key (the key policy must let it, for this account's log groups).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'LogsEncryptEventArchive',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: '*' }) } },
      }),
    );
    // The resource policy that lets EventBridge write, as a plain CloudFormation resource: the
    // events-targets CloudWatchLogGroup target would deploy a custom-resource Lambda for it.
    new logs.ResourcePolicy(this, 'EventLogPolicy', {
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('events.amazonaws.com'), new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [eventLog.logGroupArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      ],
    });
    const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: eventLog.logGroupName });
    rule.addTarget({ bind: () => ({ arn: logGroupArn, targetResource: eventLog }) });
  }
}
