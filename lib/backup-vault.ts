/**
 * Where backups live: the KMS key (envelope encryption of packs, SSE-KMS of every bucket, the
 * system table, the topics), the vault bucket (packs, manifests, summaries, the status document),
 * the audit bucket (one Object-Locked copy per audit record) and the bucket receiving both
 * buckets' server access logs. Everything here outlives the stack (RETAIN): deleting the stack
 * must never delete the backups.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

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
}
