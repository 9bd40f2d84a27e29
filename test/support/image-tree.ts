// Looking into an image's root filesystem (mounted with `podman image mount`):
// its files, their sizes, and which of them are native binaries.
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function* walkFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walkFiles(p);
    else yield p;
  }
}

/** Whether `file` is an ELF executable or library (a native binary, such as node itself). */
export function isElf(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

export interface Usage { bytes: number; files: number; packages: number }

/** Bytes and files under `dir`, and how many npm packages (directories with a package.json right under node_modules). */
export function usage(dir: string): Usage {
  const u: Usage = { bytes: 0, files: 0, packages: 0 };
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        const parent = basename(d);
        const isPackage = parent === 'node_modules' || (parent.startsWith('@') && basename(dirname(d)) === 'node_modules');
        if (isPackage && existsSync(join(p, 'package.json'))) u.packages++;
        walk(p);
      } else {
        u.files++;
        u.bytes += lstatSync(p).size;
      }
    }
  };
  walk(dir);
  return u;
}

/** lstat, not existsSync: a dangling link counts as present too. */
export function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
