import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/core/errors.js';
import { addressAllowed, apiResourcePolicy, assertOriginAllowed, isCidr, isCountryCode, wafRules } from '../../src/core/network-policy.js';
import { defaultPlanInput, parsePlan } from '../../src/core/plan.js';

describe('network policy', () => {
  it('matches addresses against IPv4 and IPv6 blocks, IPv4-mapped addresses as IPv4; no list allows all', () => {
    const cidrs = ['10.0.0.0/8', '203.0.113.0/24', '2001:db8::/32'];
    expect(addressAllowed('10.200.3.4', cidrs)).toBe(true);
    expect(addressAllowed('::ffff:203.0.113.9', cidrs)).toBe(true);
    expect(addressAllowed('2001:db8:1::5', cidrs)).toBe(true);
    expect(addressAllowed('198.51.100.1', cidrs)).toBe(false);
    expect(addressAllowed('2001:db9::1', cidrs)).toBe(false);
    expect(addressAllowed('not an address', cidrs)).toBe(false);
    expect(addressAllowed('unknown', [])).toBe(true);
  });

  it('refuses an address outside the allowlist and a country outside the list with exit 3; a missing country only when required', () => {
    const rules = { allowedCidrs: ['203.0.113.0/24'], allowedCountries: ['DE', 'AT'] };
    const refusal = (origin: { address: string; country?: string }, countryRequired = false): unknown => {
      try {
        assertOriginAllowed(origin, rules, { countryRequired });
        return undefined;
      } catch (err) {
        return err;
      }
    };
    expect(refusal({ address: '203.0.113.1', country: 'DE' })).toBeUndefined();
    expect(refusal({ address: '203.0.113.1', country: 'at' })).toBeUndefined();
    expect(refusal({ address: '203.0.113.1' })).toBeUndefined();
    const outside = refusal({ address: '198.51.100.1', country: 'DE' });
    expect(outside).toBeInstanceOf(AuthenticationError);
    expect((outside as AuthenticationError).exitCode).toBe(3);
    expect((outside as Error).message).toMatch(/^authorization refused: address 198.51.100.1 is outside the allowlist/);
    expect((refusal({ address: '203.0.113.1', country: 'FR' }) as Error).message).toMatch(/country FR are not allowed/);
    expect((refusal({ address: '203.0.113.1' }, true) as Error).message).toMatch(/carries no viewer country/);
  });

  it('validates CIDR blocks and country codes in the plan, naming the bad entry', () => {
    expect(isCidr('10.0.0.0/8')).toBe(true);
    expect(isCidr('2001:db8::/32')).toBe(true);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('10.0.0.1')).toBe(false);
    expect(isCountryCode('DE')).toBe(true);
    expect(isCountryCode('XX')).toBe(false);
    expect(isCountryCode('de')).toBe(false);
    expect(() => parsePlan({ ...defaultPlanInput(), security: { allowedCidrs: ['10.0.0.0/33'] } })).toThrow(/invalid plan at security.allowedCidrs.0: a CIDR block/);
    expect(() => parsePlan({ ...defaultPlanInput(), security: { allowedCountries: ['ZZ'] } })).toThrow(/invalid plan at security.allowedCountries.0: an ISO 3166-1/);
    expect(() => parsePlan({ ...defaultPlanInput(), security: { rollbackStartsPerHour: 0 } })).toThrow(/security.rollbackStartsPerHour/);
    expect(parsePlan(defaultPlanInput()).security).toMatchObject({ allowedCidrs: [], rollbackStartsPerHour: 3, failedSignIns: 5, failedSignInWindowMinutes: 15 });
  });

  it('renders the API Gateway resource policy: allow, and deny outside the allowlist', () => {
    const arn = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/*';
    expect(apiResourcePolicy({ allowedCidrs: [], allowedCountries: [] }, arn).Statement).toEqual([{ Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: arn }]);
    const policy = apiResourcePolicy({ allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'], allowedCountries: [] }, arn);
    expect(policy.Statement[1]).toEqual({ Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: arn, Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } } });
  });

  it('renders the WAF rules: IP sets per family with network addresses, and the geo match', () => {
    expect(wafRules({ allowedCidrs: ['203.0.113.9/24', '2001:db8::1/32'], allowedCountries: ['DE'] })).toEqual({ ipv4: ['203.0.113.0/24'], ipv6: ['2001:db8::/32'], countries: ['DE'], restricts: true });
    expect(wafRules({ allowedCidrs: [], allowedCountries: [] }).restricts).toBe(false);
  });
});
