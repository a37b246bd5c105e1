import { EnableKeyRotationCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureKeyRotation, keyRotationStatus } from '../../src/adapters/kms-key-rotation.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
const client = (): KMSClient => new KMSClient({ region: 'eu-west-1' });

function kmsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

beforeEach(() => {
  kms.reset();
});

describe('keyRotationStatus', () => {
  it('reports enabled with the period and the next rotation, asking about the vault key', async () => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365, NextRotationDate: new Date('2027-01-01T00:00:00Z') });

    // Act
    const health = await keyRotationStatus(client(), KEY_ARN);

    // Assert
    expect(kms.commandCalls(GetKeyRotationStatusCommand)[0]?.args[0].input).toEqual({ KeyId: KEY_ARN });
    expect(health).toMatchObject({ name: 'kms-key-rotation', keyId: KEY_ARN, status: 'enabled', ok: true, rotationPeriodInDays: 365, nextRotationDate: '2027-01-01T00:00:00.000Z' });
    expect(health.detail).toBe(`automatic rotation of ${KEY_ARN} is on (every 365 days, next 2027-01-01T00:00:00.000Z)`);
  });

  it.each([
    { case: 'disabled', answer: { KeyRotationEnabled: false }, status: 'disabled', detail: /is off/ },
    { case: 'an answer without the flag', answer: {}, status: 'unknown', detail: /did not say/ },
  ])('reports $case as not ok', async ({ answer, status, detail }) => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).resolves(answer);

    // Act
    const health = await keyRotationStatus(client(), KEY_ARN);

    // Assert
    expect(health.status).toBe(status);
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(detail);
  });

  it.each([
    ['AccessDeniedException', 'not authorized to perform kms:GetKeyRotationStatus'],
    ['UnsupportedOperationException', 'asymmetric keys do not rotate'],
    ['NotFoundException', 'key does not exist'],
  ])('reports %s as unknown with the reason, never throwing', async (name, message) => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).rejects(kmsError(name, message));

    // Act
    const health = await keyRotationStatus(client(), KEY_ARN);

    // Assert
    expect(health).toMatchObject({ status: 'unknown', ok: false });
    expect(health.detail).toBe(`rotation status of ${KEY_ARN} unknown: ${name}: ${message}`);
  });
});

describe('ensureKeyRotation', () => {
  it('enables rotation of a key where it is off, then reports it on', async () => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).resolvesOnce({ KeyRotationEnabled: false }).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    kms.on(EnableKeyRotationCommand).resolves({});

    // Act
    const result = await ensureKeyRotation(client(), KEY_ARN);

    // Assert
    expect(kms.commandCalls(EnableKeyRotationCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ARN }]);
    expect(result).toMatchObject({ status: 'enabled', ok: true, changed: true });
  });

  it('leaves a rotating key alone', async () => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });

    // Act
    const result = await ensureKeyRotation(client(), KEY_ARN);

    // Assert
    expect(kms.commandCalls(EnableKeyRotationCommand)).toHaveLength(0);
    expect(result).toMatchObject({ status: 'enabled', ok: true, changed: false });
  });

  it('does not try to enable a key whose status is unknown', async () => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).rejects(kmsError('AccessDeniedException', 'denied'));

    // Act
    const result = await ensureKeyRotation(client(), KEY_ARN);

    // Assert
    expect(kms.commandCalls(EnableKeyRotationCommand)).toHaveLength(0);
    expect(result).toMatchObject({ status: 'unknown', ok: false, changed: false });
  });

  it('reports a refused EnableKeyRotation as still disabled, with the refusal', async () => {
    // Arrange
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
    kms.on(EnableKeyRotationCommand).rejects(kmsError('AccessDeniedException', 'not authorized to perform kms:EnableKeyRotation'));

    // Act
    const result = await ensureKeyRotation(client(), KEY_ARN);

    // Assert
    expect(result).toMatchObject({ status: 'disabled', ok: false, changed: false });
    expect(result.detail).toBe(`automatic rotation of ${KEY_ARN} is off and could not be enabled: AccessDeniedException: not authorized to perform kms:EnableKeyRotation`);
  });
});
