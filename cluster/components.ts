// The control plane's processes as restartable components: each one is
// remembered with its exact binary, arguments (ports, data dir, certificates)
// and readiness check, so a fault test can SIGKILL one and start it again as
// it was, and every client and kubeconfig made before stays valid.
import { join } from 'node:path';
import { startProcess, waitUntil, type ManagedProcess } from './processes.js';

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'cert-manager-controller';

interface ComponentSpec {
  binary: string;
  args: string[];
  ready?: { what: string; check: () => Promise<boolean>; timeoutMs: number };
}

export class Components {
  private readonly specs = new Map<string, ComponentSpec>();

  /** `processes` is the control plane's own list (stop order): a restarted process takes its predecessor's place in it. */
  constructor(private readonly dir: string, private readonly processes: ManagedProcess[]) {}

  spawn(name: ComponentName, binary: string, args: string[]): ManagedProcess {
    this.specs.set(name, { binary, args });
    const p = startProcess(name, binary, args, join(this.dir, `${name}.log`));
    this.processes.push(p);
    return p;
  }

  /** Waits until `name` is ready, and remembers how to tell for its restarts. */
  async ready(name: ComponentName, what: string, check: () => Promise<boolean>, opts: { timeoutMs: number }): Promise<void> {
    const spec = this.spec(name);
    spec.ready = { what, check, timeoutMs: opts.timeoutMs };
    await waitUntil(what, check, { timeoutMs: opts.timeoutMs, intervalMs: 250, process: this.running(name) });
  }

  running(name: ComponentName): ManagedProcess {
    const p = this.processes.find((q) => q.name === name);
    if (!p) throw new Error(`no ${name} in this control plane`);
    return p;
  }

  /** SIGKILL, no grace: what a crash or an OOM kill does. Resolves when the process is gone. */
  async kill(name: ComponentName): Promise<void> {
    const p = this.running(name);
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${name} (pid ${p.pid}) is not running`);
    p.child.kill('SIGKILL');
    await p.exited;
  }

  /** Starts `name` again with exactly its original arguments (log appended) and waits until it is ready. */
  async restart(name: ComponentName): Promise<ManagedProcess> {
    const old = this.running(name);
    if (old.child.exitCode === null && old.child.signalCode === null) throw new Error(`${name} (pid ${old.pid}) is still running: kill it first`);
    const spec = this.spec(name);
    const p = startProcess(name, spec.binary, spec.args, join(this.dir, `${name}.log`));
    this.processes[this.processes.indexOf(old)] = p;
    if (spec.ready) await waitUntil(`${spec.ready.what} (restarted)`, spec.ready.check, { timeoutMs: spec.ready.timeoutMs, intervalMs: 100, process: p });
    return p;
  }

  private spec(name: string): ComponentSpec {
    const s = this.specs.get(name);
    if (!s) throw new Error(`no ${name} in this control plane`);
    return s;
  }
}
