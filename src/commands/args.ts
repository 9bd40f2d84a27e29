// Arguments of the status and renew commands that are not daemon flags:
// kubectl-style -n/--namespace, -A/--all-namespaces, -o/--output.
import { ConfigError } from '../config/config.js';
import { isDnsLabel } from '../config/values.js';
import { quoted } from '../util/dnsname.js';

export interface CommandArgs {
  namespace?: string;
  allNamespaces: boolean;
  output: 'table' | 'json';
  rest: string[];
}

/** Splits kubectl-style options out of `argv`; everything else is returned in `rest` for parseConfig. */
export function parseCommandArgs(command: string, argv: readonly string[]): CommandArgs {
  const out: CommandArgs = { allNamespaces: false, output: 'table', rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (): string => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq !== -1) return a.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('-')) throw new ConfigError(command, `${a} needs a value`);
      i++;
      return v;
    };
    if (a === '-n' || a === '--namespace' || a.startsWith('--namespace=')) out.namespace = value();
    else if (a === '-A' || a === '--all-namespaces') out.allNamespaces = true;
    else if (a === '-o' || a === '--output' || a.startsWith('--output=')) {
      const o = value();
      if (o !== 'json' && o !== 'table') throw new ConfigError(command, `-o ${o}: use json or table`);
      out.output = o;
    } else out.rest.push(a);
  }
  if (out.namespace !== undefined && !isDnsLabel(out.namespace)) {
    throw new ConfigError(command, `-n ${quoted(out.namespace)} is not a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters)`);
  }
  return out;
}
