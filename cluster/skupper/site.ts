// A real Skupper site's binaries, built from source into the cache: the Skupper
// controller and kube-adaptor (Go, patched: cluster/skupper/README.md) and
// skupper-router (C, on Qpid Proton). `npm run cluster:build` builds them after
// the control plane; the launcher takes their paths from ensureSkupperSite().
import { existsSync } from 'node:fs';
import { fmtElapsed } from '../build.js';
import { skupperGoBinaries, skupperGoBinaryPath, buildSkupperGo, type SkupperGoKey } from './go.js';
import { buildRouter, nativePrerequisites, skrouterdPath } from './native.js';
import { skupperPatches } from './patches.js';
import { locateArchives, sourceArchives, type ArchiveKey } from './sources.js';

export interface SkupperSite {
  /** The Skupper controller (`cmd/controller`), patched: $SKUPPER_SSL_PROFILE_PATH. */
  controller: string;
  /** The kube-adaptor (`cmd/kube-adaptor`), patched: $SKUPPER_ROUTER_AMQP_ADDRESS. */
  kubeAdaptor: string;
  /** skrouterd, in its install prefix (it finds its Python code there: leave it in place). */
  router: string;
  version: string;
  routerVersion: string;
}

export type SkupperSiteResult = SkupperSite | { skipped: string };

/**
 * Returns the cached binaries, building what is missing first. When the archives
 * or the C build packages are missing, it prints one line saying what to do and
 * returns it as `skipped` (what could be built is built and cached).
 */
export async function ensureSkupperSite(log: (line: string) => void = console.error): Promise<SkupperSiteResult> {
  const patches = skupperPatches();
  const keys = Object.keys(skupperGoBinaries) as SkupperGoKey[];
  const go = Object.fromEntries(keys.map((k) => [k, skupperGoBinaryPath(skupperGoBinaries[k], patches)])) as Record<SkupperGoKey, string>;
  const site = (router: string): SkupperSite => ({
    controller: go.controller, kubeAdaptor: go.kubeAdaptor, router,
    version: sourceArchives.skupper.version, routerVersion: sourceArchives.router.version,
  });
  const started = Date.now();
  const ready = `(skupper ${sourceArchives.skupper.version}, skupper-router ${sourceArchives.router.version})`;
  const cachedRouter = skrouterdPath();
  const needGo = keys.some((k) => !existsSync(go[k]));
  const needC = !existsSync(cachedRouter);
  if (!needGo && !needC) {
    log(`Skupper site binaries ready in ${fmtElapsed(Date.now() - started)} ${ready}`);
    return site(cachedRouter);
  }
  const noC = needC ? nativePrerequisites() : undefined;
  const wanted: ArchiveKey[] = [...(needGo ? ['skupper' as const] : []), ...(needC && noC === undefined ? ['proton' as const, 'router' as const] : [])];
  const located = await locateArchives(wanted, log);
  if ('skipped' in located) {
    log(located.skipped);
    return located;
  }
  if (needGo) Object.assign(go, await buildSkupperGo(located.paths.skupper, patches, log));
  if (noC !== undefined) {
    log(noC);
    return { skipped: noC };
  }
  const router = needC ? await buildRouter({ proton: located.paths.proton, router: located.paths.router }, log) : cachedRouter;
  log(`Skupper site binaries ready in ${fmtElapsed(Date.now() - started)} ${ready}`);
  return site(router);
}
