/**
 * AWS WAF in front of the admin API (REGIONAL, on the API stage) and the portal (CLOUDFRONT, on
 * the distribution), when the configuration enables it (`waf.enabled`). Each ACL, in order:
 * 1. (API only) requests carrying the portal's origin secret came through the distribution,
 *    whose own ACL judged them by the administrator's address: allowed here, where they arrive
 *    from CloudFront's addresses;
 * 2. a rate-based rule: one address making more than `rateLimit` requests in 5 minutes is
 *    blocked for a while (sign-in guessing, scripts gone wrong);
 * 3. AWS's common and known-bad-inputs rule groups. The body rules of the common set only
 *    count: bodies are JSON checked against the route's schema, and an emergency rollback must
 *    not be refused because its free-text reason looks like an attack;
 * 4. the plan's network rules (src/core/network-policy.ts's `wafRules`): an IP set per address
 *    family and a geo match, allowed; everything else blocked. Without rules, allowed.
 *
 * Logs go to a log group named `aws-waf-logs-*` (WAF requires the prefix) with the
 * Authorization and Referer headers redacted (session tokens, the origin secret); sampled
 * requests are off for the same reason.
 *
 * CLOUDFRONT scope exists only in us-east-1. A stack in us-east-1 makes the portal's ACL
 * itself; a stack elsewhere takes the ARN of an ACL made there (`waf.cloudFrontWebAclArn`), or
 * synthesis stops with one configuration error saying so: a web ACL cannot be put in another
 * region from this stack, and a portal silently left without one is what the setting forbids.
 */
import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, type IConstruct } from 'constructs';
import { ValidationError } from '../src/core/errors.js';
import { wafRules, type NetworkRules } from '../src/core/network-policy.js';
import { CONFIG_CONTEXT_KEY } from './config.js';

/** REGIONAL for the API stage, CLOUDFRONT (us-east-1 only) for the distribution. */
export type WebAclScope = 'REGIONAL' | 'CLOUDFRONT';

/** The common rule set's rules that inspect the body: counted, not blocking (see the module comment). */
export const COUNTED_BODY_RULES = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericLFI_BODY', 'GenericRFI_BODY', 'EC2MetaDataSSRF_BODY'] as const;

/** One web ACL's scope and rules. */
export interface WebAclProps {
  readonly scope: WebAclScope;
  /** The plan's `security`: the allowed CIDR blocks and countries. */
  readonly rules: NetworkRules;
  /** Requests from one address in any 5 minutes before it is blocked. */
  readonly rateLimit: number;
  /** A header value that marks requests from the portal's distribution (REGIONAL only). */
  readonly trustedOrigin?: { readonly header: string; readonly value: string };
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** One web ACL with its IP sets and its log (the rules in the module comment). */
export class WebAcl extends Construct {
  readonly acl: wafv2.CfnWebACL;
  readonly arn: string;
  readonly ipSets: readonly wafv2.CfnIPSet[];
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const name = Stack.of(this).stackName;
    const rendered = wafRules(props.rules);
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: false });

    const ipSets: wafv2.CfnIPSet[] = [];
    const addressStatements: wafv2.CfnWebACL.StatementProperty[] = [];
    for (const [version, addresses] of [['IPV4', rendered.ipv4], ['IPV6', rendered.ipv6]] as const) {
      if (addresses.length === 0) continue;
      const set = new wafv2.CfnIPSet(this, `Allowed${version}`, { scope: props.scope, ipAddressVersion: version, addresses: [...addresses], description: `Wing Rollback: security.allowedCidrs (${version})` });
      ipSets.push(set);
      addressStatements.push({ ipSetReferenceStatement: { arn: set.attrArn } });
    }
    this.ipSets = ipSets;
    const address = addressStatements.length > 1 ? { orStatement: { statements: addressStatements } } : addressStatements[0];
    const geo = rendered.countries.length > 0 ? { geoMatchStatement: { countryCodes: [...rendered.countries] } } : undefined;
    const allowed = [address, geo].filter((s): s is wafv2.CfnWebACL.StatementProperty => s !== undefined);

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const add = (rule: Omit<wafv2.CfnWebACL.RuleProperty, 'priority' | 'visibilityConfig'>): void => {
      rules.push({ ...rule, priority: rules.length, visibilityConfig: visibility(rule.name) });
    };
    if (props.trustedOrigin) {
      add({
        name: 'ThroughPortal',
        action: { allow: {} },
        statement: { byteMatchStatement: { fieldToMatch: { singleHeader: { Name: props.trustedOrigin.header.toLowerCase() } }, positionalConstraint: 'EXACTLY', searchString: props.trustedOrigin.value, textTransformations: [{ priority: 0, type: 'NONE' }] } },
      });
    }
    add({ name: 'RateLimit', action: { block: {} }, statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } } });
    add({
      name: 'AWSManagedRulesCommonRuleSet',
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet', ruleActionOverrides: COUNTED_BODY_RULES.map((r) => ({ name: r, actionToUse: { count: {} } })) } },
    });
    add({ name: 'AWSManagedRulesKnownBadInputsRuleSet', overrideAction: { none: {} }, statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } } });
    if (allowed.length > 0) add({ name: 'AllowedOrigins', action: { allow: {} }, statement: allowed.length > 1 ? { andStatement: { statements: allowed } } : (allowed[0] as wafv2.CfnWebACL.StatementProperty) });

    this.acl = new wafv2.CfnWebACL(this, 'Acl', {
      scope: props.scope,
      description: `Wing Rollback ${props.scope === 'CLOUDFRONT' ? 'portal' : 'admin API'}: rate limit, AWS managed rules, the plan's address and country allowlists`,
      defaultAction: rendered.restricts ? { block: {} } : { allow: {} },
      visibilityConfig: visibility(`${name}-${id}`),
      rules,
    });
    this.arn = this.acl.attrArn;

    const logGroupName = `aws-waf-logs-${name}-${id}`.slice(0, 512);
    this.logGroup = new logs.LogGroup(this, 'Logs', { logGroupName, retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.acl.attrArn,
      // WAF takes the log group's ARN without the ":*" CloudFormation's Arn attribute ends with.
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'referer' } }],
    }).node.addDependency(this.logGroup);
  }

  /** Puts a regional resource (the API stage) behind this ACL. */
  associate(id: string, resourceArn: string): wafv2.CfnWebACLAssociation {
    return new wafv2.CfnWebACLAssociation(this, id, { resourceArn, webAclArn: this.acl.attrArn });
  }
}

/** The rules and the resources the two ACLs protect. */
export interface WebAclsProps {
  readonly rules: NetworkRules;
  readonly rateLimit: number;
  /** The API stage to protect. */
  readonly apiStage: apigateway.Stage;
  /** What the portal's distribution sends the API (lib/admin-api.ts). */
  readonly portalOrigin: { readonly header: string; readonly value: string };
  /** An ACL with CLOUDFRONT scope made elsewhere (us-east-1); otherwise this stack must be in us-east-1. */
  readonly cloudFrontWebAclArn?: string | undefined;
  readonly logRetention?: logs.RetentionDays;
}

/** Both ACLs of a deployment with `waf.enabled`. */
export class WebAcls extends Construct {
  readonly api: WebAcl;
  /** The portal's ACL (this stack's own, or the one configured); for the distribution's `webAclId`. */
  readonly cloudFrontWebAclArn: string;
  readonly portal: WebAcl | undefined;

  constructor(scope: Construct, id: string, props: WebAclsProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    let portal: WebAcl | undefined;
    if (props.cloudFrontWebAclArn === undefined) {
      if (Token.isUnresolved(region)) {
        throw configurationError('this stack\'s region is not known at synthesis (no env region): set CDK_DEFAULT_REGION or an AWS profile with a region, so that the portal\'s web ACL (CLOUDFRONT scope, us-east-1 only) can be placed, or give waf.cloudFrontWebAclArn');
      }
      if (region !== 'us-east-1') {
        throw configurationError(`AWS WAF makes web ACLs for CloudFront (the portal) only in us-east-1, and this stack deploys to ${region}: deploy it to us-east-1, or create the portal's ACL there and give its ARN as waf.cloudFrontWebAclArn`);
      }
      portal = new WebAcl(this, 'Portal', { scope: 'CLOUDFRONT', rules: props.rules, rateLimit: props.rateLimit, ...(props.logRetention ? { logRetention: props.logRetention } : {}) });
    }
    this.portal = portal;
    this.cloudFrontWebAclArn = portal?.arn ?? props.cloudFrontWebAclArn ?? '';
    this.api = new WebAcl(this, 'Api', { scope: 'REGIONAL', rules: props.rules, rateLimit: props.rateLimit, trustedOrigin: props.portalOrigin, ...(props.logRetention ? { logRetention: props.logRetention } : {}) });
    this.api.associate('ApiStage', props.apiStage.stageArn);
  }
}

/**
 * The findings of a deployment without WAF (the default): the API stage (APIG3) and the
 * distribution (CFR2) have no web ACL, by configuration.
 */
export function acknowledgeNoWebAcl(apiStage: IConstruct, distribution: IConstruct): void {
  const why = 'because the configuration leaves AWS WAF off (waf.enabled false, the default: a web ACL costs a monthly fee per ACL and rule); set waf.enabled to add the rate limit, the AWS managed rules and the address and country allowlists at the edge.';
  Validations.of(apiStage).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG3', reason: `The admin API stage has no web ACL ${why} The resource policy still carries the address allowlist and the handlers check address, lockout and session.` });
  Validations.of(distribution).acknowledge({ id: 'AwsSolutions::AwsSolutions-CFR2', reason: `The portal distribution has no web ACL ${why} Its geo restriction and the API behind it still apply the plan's rules.` });
}

function configurationError(message: string): ValidationError {
  return new ValidationError(`invalid Wing Rollback configuration (context "${CONFIG_CONTEXT_KEY}") at waf: ${message}`);
}
