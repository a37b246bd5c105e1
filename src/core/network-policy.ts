/**
 * Network and location restriction of the administrative operations (issue 5): a CIDR allowlist
 * and a list of allowed countries, from the plan's `security` section. The same rules are
 * enforced in three places, so that none of them is the only door: the admin API's handlers
 * (address and, behind CloudFront, the viewer-country header), the API Gateway resource policy
 * (address) and the WAF web ACL (address and geo match) on AWS. This module holds the rules and
 * renders the AWS documents; the CDK stack deploys what it renders.
 */
import ipaddr from 'ipaddr.js';
import { AuthorizationError } from './errors.js';

/** Where a request came from, as far as the receiving side can tell. */
export interface RequestOrigin {
  /** The caller's IP address (API Gateway's `sourceIp`, the local server's socket peer). */
  readonly address: string;
  /** ISO 3166-1 alpha-2 code from CloudFront's `CloudFront-Viewer-Country`, when it is there. */
  readonly country?: string;
}

/** The origin of a command run on this machine (the local CLI, the programmatic API). */
export const LOCAL_ORIGIN: RequestOrigin = { address: '127.0.0.1' };

export interface NetworkRules {
  readonly allowedCidrs: readonly string[];
  readonly allowedCountries: readonly string[];
}

export function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** Made on first use: it loads ICU's region names (~50 ms), and most plans name no country. */
let regionNames: Intl.DisplayNames | undefined;

/** A two-letter code that names a region (Intl knows the ISO 3166-1 list; unknown codes come back unchanged). */
export function isCountryCode(value: string): boolean {
  if (!/^[A-Z]{2}$/.test(value)) return false;
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
    const name = regionNames.of(value);
    // Codes Intl does not know come back unchanged, or as "Unknown Region" (ZZ).
    return name !== undefined && name !== value && name !== 'Unknown Region';
  } catch {
    return false;
  }
}

/** IPv4 addresses arrive as `::ffff:a.b.c.d` on dual-stack sockets: compare them as IPv4. */
function parsedAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    return ipaddr.process(address);
  } catch {
    return undefined;
  }
}

export function addressAllowed(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const parsed = parsedAddress(address);
  // An address the rules cannot read is outside them.
  if (!parsed) return false;
  return cidrs.some((cidr) => {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    return range.kind() === parsed.kind() && parsed.match(range, bits);
  });
}

/**
 * Refuses an origin outside the rules (exit 3 / HTTP 403). A missing country header passes here
 * unless `countryRequired`: the API reached directly (not through CloudFront) carries none, and
 * there the WAF's geo match is the rule; a deployment that routes everything through CloudFront
 * sets `countryRequired` so that a request around it is refused.
 */
export function assertOriginAllowed(origin: RequestOrigin, rules: NetworkRules, options: { countryRequired?: boolean } = {}): void {
  if (!addressAllowed(origin.address, rules.allowedCidrs)) {
    throw new AuthorizationError(`authorization refused: address ${origin.address} is outside the allowlist of administrative operations`);
  }
  if (rules.allowedCountries.length === 0) return;
  const country = origin.country?.toUpperCase();
  if (country === undefined || country === '') {
    if (options.countryRequired) throw new AuthorizationError('authorization refused: the request carries no viewer country, and administrative operations are limited by country');
    return;
  }
  if (!rules.allowedCountries.includes(country)) {
    throw new AuthorizationError(`authorization refused: requests from country ${country} are not allowed for administrative operations`);
  }
}

/** IAM policy document types, just enough for a resource policy. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

/**
 * The API Gateway resource policy: invoke allowed, and denied from outside the allowlist (an
 * explicit Deny wins over the Allow). Without an allowlist, only the Allow.
 */
export function apiResourcePolicy(rules: NetworkRules, executeApiArn: string): PolicyDocument {
  const allow = { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: executeApiArn };
  if (rules.allowedCidrs.length === 0) return { Version: '2012-10-17', Statement: [allow] };
  return {
    Version: '2012-10-17',
    Statement: [
      allow,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 'execute-api:Invoke',
        Resource: executeApiArn,
        Condition: { NotIpAddress: { 'aws:SourceIp': [...rules.allowedCidrs] } },
      },
    ],
  };
}

/** What the WAF web ACL needs: IP sets per address family and the geo match's country codes. */
export interface WafRules {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly countries: readonly string[];
  /** Whether the ACL blocks by default (true when any rule restricts). */
  readonly restricts: boolean;
}

export function wafRules(rules: NetworkRules): WafRules {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const cidr of rules.allowedCidrs) {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    // WAF IP sets want the network address, not any address of the block.
    const network = range.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() : ipaddr.IPv6.networkAddressFromCIDR(cidr).toString();
    (range.kind() === 'ipv4' ? ipv4 : ipv6).push(`${network}/${String(bits)}`);
  }
  return { ipv4, ipv6, countries: [...rules.allowedCountries], restricts: rules.allowedCidrs.length > 0 || rules.allowedCountries.length > 0 };
}
