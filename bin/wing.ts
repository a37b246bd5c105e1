#!/usr/bin/env node
/** The `wing` CLI entry: `npx wing <command> [flags]` (CONTRACT.md, "CLI"). */
import { runCli } from '../src/cli/program.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await runCli(process.argv);
