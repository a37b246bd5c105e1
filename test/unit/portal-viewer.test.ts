/**
 * lambdas/portal-viewer.ts: a request carrying the portal's origin secret is judged by the
 * viewer's address CloudFront names; any other request keeps API Gateway's address and loses the
 * viewer headers, so no caller can claim an address or a country; the secret goes no further.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { behindPortal, portalOriginSecret, portalViewerEvent, viewerAddress } from '../../lambdas/portal-viewer.js';

const SECRET = 'b7Zq2mX9pL4rT8vW1yN6cK3hJ5gF0dS';

function event(headers: Record<string, string>, sourceIp = '130.176.1.2'): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/api/health',
    resource: '/api/health',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    body: null,
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { identity: { sourceIp } } as APIGatewayProxyEvent['requestContext'],
  };
}

describe('viewerAddress', () => {
  it.each([
    ['198.51.100.7:46532', '198.51.100.7'],
    ['2001:db8::7:46532', '2001:db8::7'],
    ['[2001:db8::7]:46532', '2001:db8::7'],
    ['198.51.100.7', undefined],
    ['', undefined],
  ])('reads %s as %s', (value, address) => {
    expect(viewerAddress(value)).toBe(address);
  });
});

describe('portalViewerEvent', () => {
  it('gives a request through the portal the viewer\'s address and keeps its country, but not the secret', () => {
    const out = portalViewerEvent(event({ Referer: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:46532', 'CloudFront-Viewer-Country': 'DE', Authorization: 'Bearer t' }), SECRET);
    expect(out.requestContext.identity.sourceIp).toBe('198.51.100.7');
    expect(out.headers).toEqual({ 'CloudFront-Viewer-Address': '198.51.100.7:46532', 'CloudFront-Viewer-Country': 'DE', Authorization: 'Bearer t' });
    expect(Object.keys(out.multiValueHeaders)).not.toContain('Referer');
  });

  it('keeps API Gateway\'s address and drops the viewer headers of a request without the secret (or with a wrong one)', () => {
    for (const referer of [undefined, 'guess', `${SECRET}x`]) {
      const headers: Record<string, string> = { 'cloudfront-viewer-address': '198.51.100.7:1', 'cloudfront-viewer-country': 'DE', ...(referer === undefined ? {} : { referer }) };
      const out = portalViewerEvent(event(headers, '203.0.113.9'), SECRET);
      expect(out.requestContext.identity.sourceIp, referer).toBe('203.0.113.9');
      expect(out.headers, referer).toEqual({});
      expect(out.multiValueHeaders, referer).toEqual({});
    }
  });

  it('trusts nobody when no secret is configured', () => {
    const out = portalViewerEvent(event({ Referer: '', 'CloudFront-Viewer-Address': '198.51.100.7:1' }, '203.0.113.9'), undefined);
    expect(out.requestContext.identity.sourceIp).toBe('203.0.113.9');
    expect(out.headers).toEqual({});
  });
});

describe('behindPortal', () => {
  it('reads the secret once from Secrets Manager and hands the rewritten event to the route group', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:origin' }).resolves({ SecretString: SECRET });
    const seen: string[] = [];
    const handler = behindPortal(
      (e) => {
        seen.push(e.requestContext.identity.sourceIp);
        return Promise.resolve({ statusCode: 200, body: '{}' });
      },
      () => portalOriginSecret({ WING_PORTAL_ORIGIN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:origin' }, new SecretsManagerClient({ region: 'eu-west-1' })),
    );
    await handler(event({ Referer: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:9' }), {} as Context);
    await handler(event({ 'CloudFront-Viewer-Address': '198.51.100.7:9' }, '203.0.113.9'), {} as Context);
    expect(seen).toEqual(['198.51.100.7', '203.0.113.9']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('serves requests as not the portal\'s while the secret cannot be read', async () => {
    const handler = behindPortal(
      (e) => Promise.resolve({ statusCode: 200, body: e.requestContext.identity.sourceIp }),
      () => Promise.reject(new Error('AccessDenied')),
    );
    const original = console.error;
    console.error = () => undefined;
    try {
      const out = await handler(event({ Referer: SECRET, 'CloudFront-Viewer-Address': '198.51.100.7:9' }, '130.176.1.2'), {} as Context);
      expect(out.body).toBe('130.176.1.2');
    } finally {
      console.error = original;
    }
  });
});
