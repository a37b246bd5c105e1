/** `init [--demo] [--scale N]`: create the local environment and the first administrator. */
import type { Command } from 'commander';
import qrcode from 'qrcode-terminal';
import { ValidationError } from '../../core/errors.js';
import { initLocal, type BootstrapResult } from '../../local/local-init.js';
import { runAction } from '../command-runner.js';

export function parseScale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new ValidationError(`--scale must be a positive number up to 100, not "${value}"`);
  return n;
}

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

export function registerInit(program: Command): Command {
  return program
    .command('init')
    .description('create the local environment and the first administrator; --demo loads demo WING data and a backdated history')
    .option('--demo', 'load demo WING data and eight days of verified recovery points')
    .option('--scale <n>', 'demo data size: 1 is about 100 MB; fractions allowed', parseScale)
    .action(
      runAction(async (ctx, opts) => {
        const runtime = await ctx.openLocal({ createKey: true });
        const result = await initLocal(runtime, {
          demo: opts.demo === true,
          ...(typeof opts.scale === 'number' ? { scale: opts.scale } : {}),
          onStep: (m) => { ctx.progress.step(m); },
        });
        const lines = [`initialised ${runtime.home}`];
        const admin = result.admin;
        if (admin.created) {
          lines.push(`first administrator: ${admin.username}`);
          printGeneratedAdmin(admin);
        } else {
          lines.push(`administrator ${admin.username} exists already`);
        }
        if (result.demo) {
          lines.push(
            result.demo.loaded
              ? `demo data loaded (scale ${result.demo.scale}) with ${result.demo.recoveryPoints.length} verified recovery points`
              : `demo data was loaded before (scale ${result.demo.scale}); kept as it is`,
          );
        }
        return {
          fields: { home: runtime.home, administrator: admin.username, administratorCreated: admin.created, demo: result.demo },
          text: lines.join('\n'),
        };
      }),
    );
}
