/**
 * The portal, its distribution and the web ACLs as synthesized (lib/admin-portal.ts,
 * lib/web-acl.ts): a private bucket read only by the distribution through origin access
 * control, strict security headers, the plan's countries as geo restriction, access logs, TLS
 * 1.2 with a domain of its own, `/api/*` to the admin API with the origin secret, the build
 * copied in (and synthesis refused without one); WAF absent by default and, when enabled, an
 * ACL per side with the plan's addresses and countries, a rate rule and AWS's managed rules;
 * the region rule of CLOUDFRONT ACLs; every bad WAF or portal setting refused with one error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../src/adapters/stack-outputs.js';
import { ValidationError } from '../../src/core/errors.js';
import { AdminPortal, API_FORWARDED_HEADERS, PORTAL_CONTENT_SECURITY_POLICY } from '../../lib/admin-portal.js';
import { loadConfig } from '../../lib/config.js';
import { COUNTED_BODY_RULES } from '../../lib/web-acl.js';
import type { WingRollbackStack } from '../../lib/wing-rollback-stack.js';
import { addStack, testApp, testEnv, twoSchedulePlan } from './cdk-app.js';
import { entriesOfType, logicalId, resources } from './template-queries.js';

const certificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/0f0e0d0c-0b0a-4909-8807-060504030201';
const cloudFrontWebAclArn = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/wing-portal/0f0e0d0c-0b0a-4909-8807-060504030201';
const security = { allowedCidrs: ['203.0.113.7/24', '2001:db8::/32'], allowedCountries: ['DE', 'NL'] };

let open: WingRollbackStack;
let geo: WingRollbackStack;
let waf: WingRollbackStack;
let wafArn: WingRollbackStack;
let o: Template;
let g: Template;
let w: Template;
let wa: Template;

beforeAll(() => {
  const app = testApp();
  open = addStack(app, 'Open', {}, testEnv);
  geo = addStack(app, 'Geo', { plan: { ...twoSchedulePlan, security }, portal: { domainName: 'rollback.example.com', certificateArn } }, testEnv);
  waf = addStack(app, 'Waf', { plan: { ...twoSchedulePlan, security }, waf: { enabled: true, rateLimit: 200 } }, { account: '111111111111', region: 'us-east-1' });
  wafArn = addStack(app, 'WafArn', { waf: { enabled: true, cloudFrontWebAclArn } }, testEnv);
  app.synth();
  o = Template.fromStack(open);
  g = Template.fromStack(geo);
  w = Template.fromStack(waf);
  wa = Template.fromStack(wafArn);
});

const ofType = entriesOfType;
const json = (v: unknown): string => JSON.stringify(v);
const distributionConfig = (template: Template): Record<string, unknown> => (ofType(template, 'AWS::CloudFront::Distribution')[0]?.[1].Properties?.DistributionConfig ?? {}) as Record<string, unknown>;

function refusal(build: () => unknown): ValidationError {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).not.toContain('\n');
    return err as ValidationError;
  }
  throw new Error('accepted');
}

describe('AdminPortal: the bucket and the distribution', () => {
  it('keeps the build in a private, encrypted, TLS-only bucket that only this distribution reads, through origin access control', () => {
    const bucketId = logicalId(open, open.portal.bucket.node.defaultChild);
    const bucket = resources(o)[bucketId];
    expect(bucket?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { LogFilePrefix: 'portal/' },
    });
    expect(bucket?.Properties?.WebsiteConfiguration).toBeUndefined();
    const policy = ofType(o, 'AWS::S3::BucketPolicy').find(([, p]) => json(p.Properties?.Bucket) === json({ Ref: bucketId }))?.[1];
    const statements = (policy?.Properties?.PolicyDocument as { Statement: { Effect: string; Principal: unknown; Condition?: unknown; Action: unknown }[] }).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(json(allows[0]?.Condition)).toContain('AWS:SourceArn');
    expect(json(allows[0]?.Condition)).toContain(logicalId(open, open.portal.distribution.node.defaultChild));
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    o.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }) });
    const s3Origin = (distributionConfig(o).Origins as Record<string, unknown>[]).find((origin) => origin.S3OriginConfig);
    expect(s3Origin?.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(s3Origin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [ofType(o, 'AWS::CloudFront::OriginAccessControl')[0]?.[0], 'Id'] });
  });

  it('serves the portal over HTTPS only (GET and HEAD), with the security headers', () => {
    const config = distributionConfig(o);
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', IPV6Enabled: true, DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] } });
    const headersId = logicalId(open, open.portal.responseHeaders.node.defaultChild);
    expect((config.DefaultCacheBehavior as Record<string, unknown>).ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    expect((config.CacheBehaviors as Record<string, unknown>[])[0]?.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
  });

  it('sends strict security headers: a CSP made for the built app, HSTS for two years, frames denied, nosniff, no referrer', () => {
    o.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: PORTAL_CONTENT_SECURITY_POLICY, Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          XSSProtection: { Protection: false, Override: true },
        },
      }),
    });
    // The app loads nothing but its own files and API (and the data: favicon).
    expect(PORTAL_CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(PORTAL_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
    expect(PORTAL_CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
    expect(PORTAL_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('routes /api/* to the admin API stage over TLS 1.2, forwarding the token, the body type and the viewer\'s country and address, with the origin secret', () => {
    const config = distributionConfig(o);
    const api = (config.CacheBehaviors as Record<string, unknown>[]).find((b) => b.PathPattern === '/api/*');
    expect(api).toMatchObject({ ViewerProtocolPolicy: 'https-only', AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'] });
    const origin = (config.Origins as Record<string, unknown>[]).find((x) => x.Id === api?.TargetOriginId);
    expect(origin).toMatchObject({ CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } });
    expect(json(origin?.DomainName)).toContain(logicalId(open, open.adminApi.api.node.defaultChild));
    expect(json(origin?.OriginPath)).toContain(logicalId(open, open.adminApi.api.deploymentStage.node.defaultChild));
    const headers = origin?.OriginCustomHeaders as { HeaderName: string; HeaderValue: unknown }[];
    expect(headers.map((h) => h.HeaderName)).toEqual(['Referer']);
    expect(json(headers[0]?.HeaderValue)).toContain('{{resolve:secretsmanager:');
    expect(json(headers[0]?.HeaderValue)).toContain(logicalId(open, open.adminApi.portalOriginSecret.node.defaultChild));
    o.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 1, ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({ HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] }, CookiesConfig: { CookieBehavior: 'none' } }) }),
    });
    o.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', { OriginRequestPolicyConfig: Match.objectLike({ HeadersConfig: { HeaderBehavior: 'whitelist', Headers: [...API_FORWARDED_HEADERS] }, CookiesConfig: { CookieBehavior: 'none' } }) });
  });

  it('logs every request to a bucket of its own, kept a year', () => {
    const logBucket = logicalId(open, open.portal.logBucket.node.defaultChild);
    expect(distributionConfig(o).Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logBucket, 'RegionalDomainName'] }, IncludeCookies: false, Prefix: 'cloudfront/' });
    expect(resources(o)[logBucket]?.Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 365 })] },
    });
  });

  it('restricts viewers to the plan\'s countries when it names some, and to nobody otherwise', () => {
    expect(distributionConfig(o).Restrictions).toBeUndefined();
    expect(distributionConfig(g).Restrictions).toEqual({ GeoRestriction: { RestrictionType: 'whitelist', Locations: ['DE', 'NL'] } });
  });

  it('requires TLS 1.2 of viewers on the portal\'s own domain', () => {
    expect(distributionConfig(o).ViewerCertificate).toBeUndefined();
    expect(distributionConfig(g)).toMatchObject({ Aliases: ['rollback.example.com'], ViewerCertificate: { AcmCertificateArn: certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' } });
    const url = (t: Template): unknown => (t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs[STACK_OUTPUTS.portalUrl]?.Value;
    expect(url(g)).toBe('https://rollback.example.com');
    expect(json(url(o))).toContain(logicalId(open, open.portal.distribution.node.defaultChild));
  });

  it('copies the build and a config.json into the bucket, pruning older files, revalidated on every load, with a role of its own', () => {
    const deployment = ofType(o, 'Custom::CDKBucketDeployment')[0]?.[1].Properties;
    expect(deployment).toMatchObject({ DestinationBucketName: { Ref: logicalId(open, open.portal.bucket.node.defaultChild) }, Prune: true, SystemMetadata: { 'cache-control': 'no-cache' } });
    expect(deployment?.SourceObjectKeys as unknown[]).toHaveLength(2);
    const role = resources(o)[logicalId(open, open.portal.deployment.handlerRole.node.defaultChild)];
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('refuses to synthesize without a built portal, saying to run the build', () => {
    const app = new App();
    const stack = new Stack(app, 'NoBuild');
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET');
    const err = refusal(() => new AdminPortal(stack, 'Portal', { api, apiOrigin: { header: 'Referer', value: 'x' }, allowedCountries: [], serverAccessLogsBucket: new s3.Bucket(stack, 'Logs'), buildDir: mkdtempSync(join(tmpdir(), 'no-portal-')) }));
    expect(err.message).toMatch(/^the admin portal is not built \(.*index\.html is missing\): run "npm run build"/);
  });
});

describe('WebAcls', () => {
  it('are absent unless enabled', () => {
    for (const template of [o, g]) {
      template.resourceCountIs('AWS::WAFv2::WebACL', 0);
      template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
      expect(distributionConfig(template).WebACLId).toBeUndefined();
    }
  });

  it('put a CLOUDFRONT ACL on the distribution and a REGIONAL one on the API stage when enabled in us-east-1', () => {
    const acls = ofType(w, 'AWS::WAFv2::WebACL');
    expect(acls.map(([, a]) => a.Properties?.Scope).sort()).toEqual(['CLOUDFRONT', 'REGIONAL']);
    const portalAcl = acls.find(([, a]) => a.Properties?.Scope === 'CLOUDFRONT')?.[0];
    expect(distributionConfig(w).WebACLId).toEqual({ 'Fn::GetAtt': [portalAcl, 'Arn'] });
    const apiAcl = acls.find(([, a]) => a.Properties?.Scope === 'REGIONAL')?.[0];
    w.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: { 'Fn::GetAtt': [apiAcl, 'Arn'] }, ResourceArn: Match.anyValue() });
    const association = ofType(w, 'AWS::WAFv2::WebACLAssociation')[0]?.[1];
    expect(json(association?.Properties?.ResourceArn)).toContain(logicalId(waf, waf.adminApi.api.deploymentStage.node.defaultChild));
  });

  it('allow only the plan\'s addresses (network addresses, per family) from the plan\'s countries, after a rate rule and AWS\'s managed rules', () => {
    for (const [, acl] of ofType(w, 'AWS::WAFv2::WebACL')) {
      const scope = acl.Properties?.Scope as string;
      const rules = acl.Properties?.Rules as { Name: string; Priority: number; Statement: Record<string, unknown>; Action?: unknown; OverrideAction?: unknown }[];
      expect(acl.Properties?.DefaultAction).toEqual({ Block: {} });
      const names = rules.sort((a, b) => a.Priority - b.Priority).map((r) => r.Name);
      expect(names).toEqual([...(scope === 'REGIONAL' ? ['ThroughPortal'] : []), 'RateLimit', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AllowedOrigins']);
      expect(rules.find((r) => r.Name === 'RateLimit')).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 200, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } });
      const common = rules.find((r) => r.Name === 'AWSManagedRulesCommonRuleSet');
      expect(common).toMatchObject({ OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } } });
      expect((common?.Statement.ManagedRuleGroupStatement as { RuleActionOverrides: { Name: string; ActionToUse: unknown }[] }).RuleActionOverrides).toEqual(COUNTED_BODY_RULES.map((Name) => ({ Name, ActionToUse: { Count: {} } })));
      const allowed = rules.find((r) => r.Name === 'AllowedOrigins');
      expect(allowed?.Action).toEqual({ Allow: {} });
      expect(json(allowed?.Statement)).toContain('"GeoMatchStatement":{"CountryCodes":["DE","NL"]}');
      expect(json(allowed?.Statement).match(/IPSetReferenceStatement/g)).toHaveLength(2);
      for (const r of rules) expect((r as unknown as { VisibilityConfig: { SampledRequestsEnabled: boolean } }).VisibilityConfig.SampledRequestsEnabled, r.Name).toBe(false);
    }
    const sets = ofType(w, 'AWS::WAFv2::IPSet').map(([, s]) => s.Properties);
    expect(sets).toHaveLength(4);
    expect(sets.filter((s) => s?.IPAddressVersion === 'IPV4').map((s) => s?.Addresses)).toEqual([['203.0.113.0/24'], ['203.0.113.0/24']]);
    expect(sets.filter((s) => s?.IPAddressVersion === 'IPV6').map((s) => s?.Addresses)).toEqual([['2001:db8::/32'], ['2001:db8::/32']]);
  });

  it('let the API\'s ACL pass requests carrying the portal\'s origin secret, which the portal\'s ACL judged by the real address', () => {
    const api = ofType(w, 'AWS::WAFv2::WebACL').find(([, a]) => a.Properties?.Scope === 'REGIONAL')?.[1];
    const through = (api?.Properties?.Rules as { Name: string; Action: unknown; Statement: { ByteMatchStatement: Record<string, unknown> } }[]).find((r) => r.Name === 'ThroughPortal');
    expect(through?.Action).toEqual({ Allow: {} });
    expect(through?.Statement.ByteMatchStatement).toMatchObject({ FieldToMatch: { SingleHeader: { Name: 'referer' } }, PositionalConstraint: 'EXACTLY' });
    expect(json(through?.Statement.ByteMatchStatement.SearchString)).toContain(logicalId(waf, waf.adminApi.portalOriginSecret.node.defaultChild));
  });

  it('log to aws-waf-logs-* groups with the token and the origin secret redacted', () => {
    const configs = ofType(w, 'AWS::WAFv2::LoggingConfiguration').map(([, c]) => c.Properties);
    expect(configs).toHaveLength(2);
    for (const c of configs) {
      expect(c?.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'referer' } }]);
      expect(json(c?.LogDestinationConfigs)).toContain('log-group:aws-waf-logs-');
      expect(json(c?.LogDestinationConfigs)).not.toContain(':*');
    }
  });

  it('allow everything but the rate and the managed rules when the plan names no address or country', () => {
    const acls = ofType(wa, 'AWS::WAFv2::WebACL');
    expect(acls.map(([, a]) => a.Properties?.Scope)).toEqual(['REGIONAL']);
    expect(acls[0]?.[1].Properties?.DefaultAction).toEqual({ Allow: {} });
    expect((acls[0]?.[1].Properties?.Rules as { Name: string }[]).map((r) => r.Name)).not.toContain('AllowedOrigins');
    wa.resourceCountIs('AWS::WAFv2::IPSet', 0);
  });

  it('put the configured ACL on the distribution when the stack is outside us-east-1', () => {
    expect(distributionConfig(wa).WebACLId).toBe(cloudFrontWebAclArn);
  });

  it('refuse, with one configuration error, a stack outside us-east-1 (or in no known region) without the portal\'s ACL', () => {
    const elsewhere = refusal(() => addStack(testApp(), 'Elsewhere', { waf: { enabled: true } }, testEnv));
    expect(elsewhere.message).toMatch(/^invalid Wing Rollback configuration \(context "wingRollback"\) at waf: .*only in us-east-1, and this stack deploys to eu-west-1: .*waf\.cloudFrontWebAclArn$/);
    const nowhere = refusal(() => addStack(testApp(), 'Nowhere', { waf: { enabled: true } }));
    expect(nowhere.message).toMatch(/at waf: this stack's region is not known at synthesis/);
  });
});

describe('the portal and WAF configuration', () => {
  it('defaults to no WAF, a rate of 500, and no domain of its own', () => {
    const c = loadConfig({});
    expect(c.waf).toEqual({ enabled: false, rateLimit: 500, cloudFrontWebAclArn: undefined });
    expect(c.portal).toEqual({ domainName: undefined, certificateArn: undefined });
  });

  it.each([
    ['a rate below what WAF counts', { waf: { enabled: true, rateLimit: 5 } }, /at waf\.rateLimit: AWS WAF counts at least 10/],
    ['a web ACL ARN of the wrong scope', { waf: { enabled: true, cloudFrontWebAclArn: 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/x/0f0e0d0c-0b0a-4909-8807-060504030201' } }, /at waf\.cloudFrontWebAclArn: the ARN of a web ACL with CLOUDFRONT scope/],
    ['an unknown WAF setting', { waf: { enabled: true, managedRules: false } }, /at waf: Unrecognized key/],
    ['a domain without its certificate', { portal: { domainName: 'rollback.example.com' } }, /at portal: give domainName and certificateArn together/],
    ['a certificate outside us-east-1', { portal: { domainName: 'rollback.example.com', certificateArn: certificateArn.replace('us-east-1', 'eu-west-1') } }, /at portal\.certificateArn: the ARN of an ACM certificate in us-east-1/],
    ['a domain that is not one', { portal: { domainName: 'https://rollback', certificateArn } }, /at portal\.domainName: a DNS name/],
  ])('refuses %s with one error naming the field', (_what, input, message) => {
    const err = refusal(() => loadConfig(input));
    expect(err.message).toMatch(/^invalid Wing Rollback configuration \(context "wingRollback"\)/);
    expect(err.message).toMatch(message);
  });
});
