/**
 * Progress of long work on stderr, never stdout: a live bar with counts and ETA on a terminal
 * (cli-progress), and one line per step with counts when stderr is a file or a pipe.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';

/** cli-progress is loaded for the first bar: scripts and CI (no terminal) never show one. */
const loadCliProgress = (): typeof cliProgress => createRequire(import.meta.url)('cli-progress') as typeof cliProgress;

export interface ProgressReporter {
  step(message: string): void;
  update(label: string, done: number, total: number | undefined, detail?: string): void;
  stop(): void;
}

export function progressOnStderr(enabled = true): ProgressReporter {
  if (!enabled) return { step: () => undefined, update: () => undefined, stop: () => undefined };
  if (!process.stderr.isTTY) {
    let lastLine = 0;
    return {
      step: (message) => process.stderr.write(`${message}\n`),
      update: (label, done, total, detail) => {
        const now = Date.now();
        if (now - lastLine < 2000) return;
        lastLine = now;
        process.stderr.write(`  ${label}: ${done}${total ? `/${total}` : ''}${detail ? ` ${detail}` : ''}\n`);
      },
      stop: () => undefined,
    };
  }
  let bar: cliProgress.SingleBar | undefined;
  let barLabel = '';
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    step(message) {
      stopBar();
      process.stderr.write(`${message}\n`);
    },
    update(label, done, total, detail) {
      if (!bar || label !== barLabel) {
        stopBar();
        barLabel = label;
        const { SingleBar, Presets } = loadCliProgress();
        bar = new SingleBar(
          { stream: process.stderr, format: `  ${label} [{bar}] {value}/{total} {detail} ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false },
          Presets.shades_classic,
        );
        bar.start(total ?? done, done, { detail: detail ?? '' });
      }
      if (total !== undefined) bar.setTotal(Math.max(total, done));
      else bar.setTotal(done);
      bar.update(done, { detail: detail ?? '' });
    },
    stop: stopBar,
  };
}
