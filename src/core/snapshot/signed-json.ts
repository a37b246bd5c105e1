/**
 * Signed JSON documents of the vault (snapshot summaries, recovery-point records): the JSON body,
 * a newline, and an HMAC-SHA256 of the body's exact bytes under a key derived from a data key that
 * only the KeyService can unwrap. Any changed byte — body or signature — fails the check.
 */
import { IntegrityError } from '../errors.js';
import { hmacHex, summaryMacKey, type KeyRing } from '../sealed-object.js';
import type { KeyContext } from '../ports.js';

/** The wrapped data key a signed document carries. */
export interface SigningKeyRef {
  readonly wrapped: string;
  readonly keyId: string;
  readonly context: KeyContext;
}

export function signJson(doc: unknown, dataKey: Buffer): Buffer {
  const body = JSON.stringify(doc);
  return Buffer.from(`${body}\n${hmacHex(summaryMacKey(dataKey), body)}\n`, 'utf8');
}

/**
 * Parses a signed document with `parse` (which validates its shape), unwraps the key it names and
 * checks the signature. Every failure is an IntegrityError naming `storeKey`.
 */
export async function openSignedJson<T extends { key: SigningKeyRef }>(
  bytes: Buffer,
  storeKey: string,
  ring: KeyRing,
  parse: (value: unknown) => T,
): Promise<T> {
  const fail = (why: string, cause?: unknown): IntegrityError => new IntegrityError(`damaged object ${storeKey}: ${why}`, storeKey, { cause });
  const text = bytes.toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) throw fail('document without signature');
  const body = text.slice(0, newline);
  const mac = text.slice(newline + 1);
  let doc: T;
  try {
    doc = parse(JSON.parse(body));
  } catch (err) {
    throw fail('unreadable document', err);
  }
  let dataKey: Buffer;
  try {
    dataKey = await ring.unwrap(Buffer.from(doc.key.wrapped, 'base64'), doc.key.context);
  } catch (err) {
    throw fail('its data key does not unwrap', err);
  }
  if (`${hmacHex(summaryMacKey(dataKey), body)}\n` !== mac) throw fail('signature mismatch');
  return doc;
}
