#!/usr/bin/env node
// Entry point of the `skupper-cert-rotator` binary.
import { parseCommandArgs } from './commands/args.js';
import { renewCommand } from './commands/renew.js';
import { statusCommand } from './commands/status.js';
import { ConfigError } from './config/config.js';
import { flagsHelp } from './config/flags.js';
import { parseConfig } from './config/parse.js';
import { createLogger } from './telemetry/log.js';
import { ApiError } from './kube/api.js';
import { MissingCrdsError } from './kube/crd-check.js';
import { Daemon } from './daemon/main.js';
import { version } from './version.js';

const USAGE = `skupper-cert-rotator ${version}
Issues, bundles, watches and rotates the TLS Secrets of Skupper v2 Listeners and Connectors with cert-manager.

Usage:
  skupper-cert-rotator [run] [flags]                         run the controller (default)
  skupper-cert-rotator status [-n NAMESPACE | -A] [-o json]  table of every Listener/Connector certificate
  skupper-cert-rotator renew (listener|connector)/NAME -n NAMESPACE
  skupper-cert-rotator --help | --version

Flags (each also read from the environment variable shown):
${flagsHelp()}
`;

async function runDaemon(argv: string[]): Promise<number> {
  const { config, positional } = parseConfig(argv);
  if (positional.length > 0) throw new ConfigError('run', `unexpected argument "${positional[0] ?? ''}"`);
  const log = createLogger(config.logLevel);
  const daemon = new Daemon(config, log);
  const done = new Promise<void>((resolve) => {
    // `on`, not `once`: Ctrl-C in a terminal can deliver SIGINT twice (to the
    // process group and through a wrapper); a repeat must not kill a clean shutdown.
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => { void daemon.stop(sig).then(resolve); });
    }
  });
  try {
    await daemon.start();
  } catch (err) {
    if (daemon.isStopping()) {
      // A signal arrived while starting: that is a clean shutdown, not a failure.
      await daemon.stop('signal during start');
      return 0;
    }
    if (err instanceof ConfigError) {
      // A flag found wrong only at start (unusable kubeconfig, port in use): one line and exit 2, as for any bad flag.
      await daemon.stop('bad flag');
      throw err;
    }
    log.fatal({ err }, 'start failed');
    await daemon.stop('start failed');
    return 1;
  }
  process.on('unhandledRejection', (err) => {
    // A bug, not bad input: log it loudly but keep serving the other objects.
    log.error({ err }, 'unhandled promise rejection');
  });
  // A deposed leader exits (like controller-runtime) rather than risk writing
  // next to the new one; its restart rejoins as a follower.
  return Promise.race([
    done.then(() => 0),
    daemon.failure.then(async (reason) => {
      await daemon.stop(reason);
      return 1;
    }),
  ]);
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === '--version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (first === undefined || first.startsWith('--')) return runDaemon(argv);
  if (first === 'run') return runDaemon(rest);
  const io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) };
  if (first === 'renew') {
    const args = parseCommandArgs('renew', rest);
    const { config, positional } = parseConfig(args.rest);
    return renewCommand(config, positional, args.namespace, io);
  }
  if (first === 'status') {
    const args = parseCommandArgs('status', rest);
    const { config, positional } = parseConfig(args.rest);
    if (positional.length > 0) throw new ConfigError('status', `unexpected argument "${positional[0] ?? ''}"`);
    // Colour only for a person at a terminal; NO_COLOR (no-color.org) turns it off there too.
    const tty = process.stdout.isTTY && process.env.NO_COLOR === undefined;
    return statusCommand(config, { ...(args.namespace !== undefined ? { namespace: args.namespace } : {}), allNamespaces: args.allNamespaces, output: args.output, tty }, io);
  }
  process.stderr.write(`unknown command "${first}"\n\n${USAGE}`);
  return 2;
}

/**
 * Failures of the environment, not of this program (missing CRDs, API
 * errors, network errors): their message says it all and a stack trace
 * would only hide it. Anything else is a bug and keeps its stack.
 */
function expectedFailure(err: unknown): err is Error {
  return err instanceof MissingCrdsError || err instanceof ApiError || (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string');
}

main(process.argv.slice(2)).then(
  // Exit explicitly: open API connections must not keep a stopped daemon alive.
  (code) => { process.exit(code); },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`skupper-cert-rotator: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`skupper-cert-rotator: ${expectedFailure(err) ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
