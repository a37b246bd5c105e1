/**
 * Where backups live: the KMS key (envelope encryption of packs, SSE-KMS of every bucket, the
 * system table, the topics), the vault bucket (packs, manifests, summaries, the status document),
 * the audit bucket (one Object-Locked copy per audit record) and the bucket receiving both
 * buckets' server access logs. Everything here outlives the stack (RETAIN): deleting the stack
 * must never delete the backups.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { VaultReplication } from './config.js';
import { acknowledgeWildcardResource } from './nag.js';

export interface BackupVaultProps {
  /** The vault bucket's name (the plan's `vaultBucket`: the Lambdas find it there). */
  readonly vaultBucketName: string;
  /** The audit bucket's name (the plan's `auditBucket`). */
  readonly auditBucketName: string;
  /** @default 'alias/wing-rollback' */
  readonly keyAlias?: string;
  /** Days after which vault objects move to `coldStorageClass`. @default 30 */
  readonly coldStorageAfterDays?: number;
  /** @default s3.StorageClass.INFREQUENT_ACCESS (packs are read rarely but must restore at once) */
  readonly coldStorageClass?: s3.StorageClass;
  /** Days after which versions superseded by a prune are removed. @default 30 */
  readonly noncurrentVersionDays?: number;
  /** Object Lock in governance mode on the vault for this many days; a prune then leaves the locked versions. @default no Object Lock */
  readonly objectLockDays?: number;
  /** Days the server access logs are kept. @default 365 */
  readonly accessLogDays?: number;
  /**
   * A copy of every vault object in another bucket (another region or account), encrypted there
   * with that region's key: the backups survive the loss of this region or account. Deletions
   * (prunes) are not replicated; the destination's own lifecycle decides how long replicas stay.
   * @default no replication
   */
  readonly replication?: VaultReplication;
}

export class BackupVault extends Construct {
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly auditBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackupVaultProps) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      alias: props.keyAlias ?? 'alias/wing-rollback',
      description: 'Wing Rollback: envelope encryption of backups, the vault and audit buckets, the system table and the topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // S3 server access logs can only be delivered to a bucket encrypted with S3-managed keys. It
    // logs nothing itself (its deliveries would be logged into it); cdk-nag's S1 accepts a log bucket.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogDays ?? 365), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const lockDays = props.objectLockDays;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.vaultBucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'vault/',
      ...(lockDays === undefined ? {} : { objectLockEnabled: true, objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(lockDays)) }),
      ...(props.replication ? { replicationRules: [this.replicationRule(props.replication)] } : {}),
      lifecycleRules: [
        {
          id: 'cold-storage',
          transitions: [{ storageClass: props.coldStorageClass ?? s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.coldStorageAfterDays ?? 30) }],
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.replication) this.acknowledgeReplication(props.replication);

    // Always Object-Locked: the Lambdas put each record's copy with its own COMPLIANCE retention.
    this.auditBucket = new s3.Bucket(this, 'AuditBucket', {
      bucketName: props.auditBucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      objectLockEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit/',
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The wildcards of the replication role CDK makes (under the bucket), each for its reason. */
  private acknowledgeReplication(replication: VaultReplication): void {
    acknowledgeWildcardResource(this.bucket, `${this.bucket.bucketArn}/*`, 'S3 replication copies every object of the vault: its role reads each object version with its ACL and tags (GetObjectVersionForReplication and kin), which only the object wildcard of the vault names.');
    acknowledgeWildcardResource(this.bucket, `${replication.bucketArn}/*`, 'The replication role writes each replica (ReplicateObject, ReplicateTags, ownership override) under its source object\'s key in the destination bucket, so any key of that bucket.');
    const keyActions: readonly [string, string][] = [
      ['kms:GenerateDataKey*', 'Replicas are encrypted with the destination region\'s key: CDK grants the replication role its GenerateDataKey family on that one key only.'],
      ['kms:ReEncrypt*', 'Replicating SSE-KMS objects re-encrypts them from the vault key to the destination key: CDK grants the ReEncrypt family on those two keys only.'],
    ];
    for (const [action, reason] of keyActions) Validations.of(this.bucket).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`, reason });
  }

  /** Every object, KMS-encrypted ones included (all of the vault's are), re-encrypted with the destination's key. */
  private replicationRule(replication: VaultReplication): s3.ReplicationRule {
    return {
      destination: s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', { bucketArn: replication.bucketArn, ...(replication.account ? { account: replication.account } : {}) }),
      kmsKey: kms.Key.fromKeyArn(this, 'ReplicaKey', replication.kmsKeyArn),
      sseKmsEncryptedObjects: true,
      deleteMarkerReplication: false,
      // The destination account owns the replicas: the source account cannot delete them.
      ...(replication.account ? { accessControlTransition: true } : {}),
    };
  }
}
