/**
 * Generated administrator credentials (init, first start, auth:reset-admin), shown once on the
 * terminal.
 */
import qrcode from 'qrcode-terminal';
import type { BootstrapResult } from '../local/local-init.js';

/**
 * Shows generated first-administrator credentials once, on the terminal (stderr) only: never
 * written to a log or a file.
 */
export function printGeneratedAdmin(admin: BootstrapResult, title = 'First administrator (shown once, store it now):'): void {
  if (!admin.generatedPassword && !admin.generatedTotpSecret) return;
  const lines = ['', `  ${title}`, `    username:    ${admin.username}`];
  if (admin.generatedPassword) lines.push(`    password:    ${admin.generatedPassword}`);
  if (admin.generatedTotpSecret) {
    const uri = `otpauth://totp/WING%20Rollback:${encodeURIComponent(admin.username)}?secret=${admin.generatedTotpSecret}&issuer=WING%20Rollback`;
    lines.push(`    TOTP secret: ${admin.generatedTotpSecret} (add it to an authenticator app, or scan the code below)`);
    lines.push(`    ${uri}`);
    // A terminal gets the QR code of the same URI: scanning it is how most people add a secret.
    if ((process.stderr.isTTY as boolean | undefined) === true) qrcode.generate(uri, { small: true }, (code) => lines.push(code));
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);
}
