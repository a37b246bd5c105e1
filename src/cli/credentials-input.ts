/**
 * Credentials for † commands: the username from `--username` or WING_USERNAME, the password from
 * WING_PASSWORD or a hidden prompt (never a flag: flags end up in shell history and process
 * lists), the TOTP code from `--totp`, WING_TOTP or a prompt. Without a terminal, a missing value
 * is bad usage, not a hang.
 */
import { createInterface } from 'node:readline/promises';
import type { Credentials } from '../core/credentials.js';
import { ValidationError } from '../core/errors.js';

async function promptVisible(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Reads a line without echoing it (passwords, key passphrases). */
export function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') { done(); return; }
        if (ch === '\u0003') { done(new ValidationError('cancelled')); return; }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function missing(what: string, env: string): ValidationError {
  return new ValidationError(`no ${what} given: set ${env} or run the command in a terminal to be asked`);
}

export async function readCredentials(flags: { username?: string | undefined; totp?: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const interactive = (process.stdin.isTTY as boolean | undefined) === true;
  const username = flags.username ?? env.WING_USERNAME ?? (interactive ? await promptVisible('Username: ') : undefined);
  if (!username) throw missing('username', 'WING_USERNAME or --username');
  const password = env.WING_PASSWORD ?? (interactive ? await promptHidden('Password: ') : undefined);
  if (!password) throw missing('password', 'WING_PASSWORD');
  const totp = flags.totp ?? env.WING_TOTP ?? (interactive ? await promptVisible('Authentication code: ') : undefined);
  if (!totp) throw missing('authentication code', 'WING_TOTP or --totp');
  if (!/^\d{6}$/.test(totp)) throw new ValidationError('an authentication code is 6 digits');
  return { username, password, totp };
}

/** Asks on a terminal unless --yes; scripts (no terminal) have said what they want with their flags. */
export async function confirmOnTerminal(yes: boolean, question: string): Promise<void> {
  if (yes || (process.stdin.isTTY as boolean | undefined) !== true) return;
  const answer = (await promptVisible(`${question} [y/N] `)).toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new ValidationError('cancelled: nothing was changed');
}
