/**
 * The admin portal on AWS: the built web app (`npm run build:web`, vite's output in web/dist)
 * in a private bucket that only this CloudFront distribution reads (origin access control), and
 * `/api/*` routed on the same distribution to the admin API's stage, so the portal calls
 * `/api` on its own origin (web/src/api-client.ts; its config.json says so) and the API needs no
 * CORS, which it deliberately does not answer.
 *
 * - Response headers on everything it serves: a Content-Security-Policy made for the built app
 *   (its own script, stylesheet and API only; the `data:` favicon), HSTS for two years, frames
 *   denied, nosniff, no referrer, no powerful browser features.
 * - The plan's `security.allowedCountries` as the distribution's geo restriction (an allowlist
 *   when not empty), for the portal and for the API through it.
 * - Standard access logs to a bucket of their own; viewers on HTTPS only, TLS 1.2 at least when
 *   the portal has its own domain and certificate (`portal.domainName`, `portal.certificateArn`;
 *   CloudFront's shared *.cloudfront.net certificate fixes the minimum at TLSv1).
 * - To the API: HTTPS with TLS 1.2, nothing cached (the session token is in the cache key all
 *   the same, and the API answers `no-store`), the viewer's country and address forwarded, and
 *   the origin secret as `Referer` so the API's resource policy knows the request came through
 *   here (lib/admin-api.ts) and its handlers judge the viewer's address rather than CloudFront's
 *   (lambdas/portal-viewer.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { ValidationError } from '../src/core/errors.js';
import { acknowledgeWildcardResource, wildcardResourceFinding } from './nag.js';
import { PROJECT_ROOT } from './wing-function.js';

/** Where `npm run build:web` puts the portal (web/vite.config.ts's outDir). */
export const PORTAL_BUILD_DIR = join(PROJECT_ROOT, 'web', 'dist');

/** What the built app loads: its own module script and stylesheet, the API on the same origin, a `data:` favicon. */
export const PORTAL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  'upgrade-insecure-requests',
].join('; ');

/** The viewer headers the API receives through the distribution (Authorization travels in the cache key). */
export const API_FORWARDED_HEADERS = ['Accept', 'Content-Type', 'CloudFront-Viewer-Address', 'CloudFront-Viewer-Country'] as const;

/** The API the portal fronts, the plan's countries, and where logs go. */
export interface AdminPortalProps {
  /** The admin API, served under `/api/*`. */
  readonly api: apigateway.RestApi;
  /** The header and secret value the API's resource policy lets through (lib/admin-api.ts). */
  readonly apiOrigin: { readonly header: string; readonly value: string };
  /** The plan's `security.allowedCountries`; empty: no geo restriction. */
  readonly allowedCountries: readonly string[];
  /** Where the two buckets' server access logs go (the vault's access-log bucket). */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** A web ACL with CLOUDFRONT scope. @default none */
  readonly webAclArn?: string | undefined;
  /** The portal's own domain, with `certificateArn`. @default the distribution's *.cloudfront.net name */
  readonly domainName?: string | undefined;
  /** An ACM certificate in us-east-1 for `domainName`. */
  readonly certificateArn?: string | undefined;
  /** The built portal. @default PORTAL_BUILD_DIR */
  readonly buildDir?: string;
  /** Days the distribution's access logs are kept. @default 365 */
  readonly accessLogDays?: number;
  /** Retention of the asset deployment function's log. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** The portal: its bucket, the distribution in front of it and the API, the copy of the build (see the module comment). */
export class AdminPortal extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly responseHeaders: cloudfront.ResponseHeadersPolicy;
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://` and the portal's domain. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: AdminPortalProps) {
    super(scope, id);
    const buildDir = props.buildDir ?? PORTAL_BUILD_DIR;
    if (!existsSync(join(buildDir, 'index.html'))) {
      throw new ValidationError(`the admin portal is not built (${join(buildDir, 'index.html')} is missing): run "npm run build" (it builds the portal with vite) before "npx cdk synth" or "npx cdk deploy"`);
    }
    if ((props.domainName === undefined) !== (props.certificateArn === undefined)) {
      throw new ValidationError(`AdminPortal ${id}: give domainName and certificateArn together`);
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'portal/',
      lifecycleRules: [{ id: 'expire-old-builds', noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFront's standard logs are delivered with ACLs, so this bucket keeps them enabled (object writer).
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'portal-access-logs/',
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogDays ?? 365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Wing Rollback portal and API: CSP, HSTS, no framing, nosniff, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: PORTAL_CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        // The legacy XSS auditor is off (its filtering caused leaks); the CSP is the protection.
        xssProtection: { protection: false, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), clipboard-read=()', override: true },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Cross-Origin-Resource-Policy', value: 'same-origin', override: true },
        ],
      },
    });

    // Nothing is served from cache that should not be: the token is part of the key, and the
    // API's answers say no-store (an answer without it lives at most a second).
    const apiCache = new cloudfront.CachePolicy(this, 'ApiCache', {
      comment: 'Wing Rollback admin API: the Authorization header and query in the key, next to nothing cached',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const apiRequests = new cloudfront.OriginRequestPolicy(this, 'ApiRequests', {
      comment: 'Wing Rollback admin API: the body type, and the viewer\'s country and address for the handlers\' checks',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...API_FORWARDED_HEADERS),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });

    const certificate = props.certificateArn === undefined ? undefined : acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn);
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Wing Rollback admin portal and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeaders,
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.RestApiOrigin(props.api, { customHeaders: { [props.apiOrigin.header]: props.apiOrigin.value } }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: apiCache,
          originRequestPolicy: apiRequests,
          responseHeadersPolicy: this.responseHeaders,
          compress: true,
        },
      },
      ...(props.allowedCountries.length > 0 ? { geoRestriction: cloudfront.GeoRestriction.allowlist(...props.allowedCountries) } : {}),
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      ...(certificate && props.domainName !== undefined ? { certificate, domainNames: [props.domainName], minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 } : {}),
      ...(props.webAclArn === undefined ? {} : { webAclId: props.webAclArn }),
    });
    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}`;

    // The copy of the build: its own role (no managed policy) writing one log group.
    const deployLogs = new logs.LogGroup(this, 'DeployLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    const deployRole = new iam.Role(this, 'DeployRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Wing Rollback: copies the built portal into its bucket' });
    deployLogs.grantWrite(deployRole);
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      // Source maps stay out: the portal's source is not the visitors' business.
      sources: [s3deploy.Source.asset(buildDir, { exclude: ['**/*.map'] }), s3deploy.Source.jsonData('config.json', { apiUrl: '/api' })],
      destinationBucket: this.bucket,
      prune: true,
      // Revalidated on each load (ETags make that cheap): a deployment shows at once, without an invalidation.
      cacheControl: [s3deploy.CacheControl.noCache()],
      outputObjectKeys: false,
      memoryLimit: 256,
      role: deployRole,
      logGroup: deployLogs,
    });
    this.acknowledgeFindings(props, deployRole);
  }

  private acknowledgeFindings(props: AdminPortalProps, deployRole: iam.Role): void {
    const stack = Stack.of(this);
    if (props.allowedCountries.length === 0) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason: 'The plan allows administrators from every country (security.allowedCountries is empty): the distribution follows the plan; naming countries there turns on the geo restriction.',
      });
    }
    if (props.certificateArn === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason: 'Without a domain of its own the portal uses CloudFront\'s *.cloudfront.net certificate, whose minimum protocol AWS fixes; portal.domainName with a us-east-1 certificate (portal.certificateArn) sets TLSv1.2_2021. HTTPS is enforced either way and the API origin uses TLS 1.2.',
      });
    }
    // The asset copy runs CDK's own handler (Python, AWS CLI layer) with the grants BucketDeployment makes.
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions::AwsSolutions-L1',
          reason: 'The portal asset copy is CDK\'s BucketDeployment handler: its runtime is the one the installed aws-cdk-lib ships and tests it on, updated with the library, not chosen here.',
        });
      }
    }
    const copy = 'BucketDeployment copies the built portal from the CDK asset bucket into the portal bucket and removes files an older build left (prune):';
    for (const [action, what] of [
      ['s3:GetObject*', 'reading the build\'s zip and the portal files (GetObject, GetObjectVersion, ...)'],
      ['s3:GetBucket*', 'the location and versioning of both buckets'],
      ['s3:List*', 'listing the portal bucket to find files to prune'],
      ['s3:DeleteObject*', 'deleting the pruned files of the portal bucket'],
      ['s3:Abort*', 'aborting its own failed multipart uploads'],
    ] as const) {
      Validations.of(deployRole).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`, reason: `${copy} ${what}; the action family is CDK's grant, on the two buckets only.` });
    }
    acknowledgeWildcardResource(deployRole, this.bucket.arnForObjects('*'), `${copy} every file of the portal bucket, which holds nothing but the build.`);
    // The zipped build is an object of the CDK bootstrap asset bucket, whichever bucket the bootstrap named.
    const portalObjects = wildcardResourceFinding(deployRole, this.bucket.arnForObjects('*'));
    for (const finding of wildcardFindingsOf(deployRole)) {
      if (finding === portalObjects) continue;
      Validations.of(deployRole).acknowledge({ id: finding, reason: `${copy} the zipped build, an object of the CDK bootstrap asset bucket whose name is made per build, read only.` });
    }
  }
}

/** The IAM5 findings of the wildcard resources (`.../*`) in a role's default policy, as cdk-nag names them. */
function wildcardFindingsOf(role: iam.Role): string[] {
  const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (!policy) return [];
  const document = policy.document.toJSON() as { Statement?: { Resource?: unknown }[] } | undefined;
  const resources = (document?.Statement ?? []).flatMap((st) => (Array.isArray(st.Resource) ? (st.Resource as unknown[]) : [st.Resource]));
  return [...new Set(resources.filter((r): r is string => typeof r === 'string' && r.endsWith('/*')).map((r) => wildcardResourceFinding(role, r)))];
}
