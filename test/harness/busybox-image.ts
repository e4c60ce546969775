import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A one-file image without a registry: Debian's busybox-static as
 * /bin/busybox, with a link per applet (sh, ping, nc, httpd, nslookup...),
 * as a tarball that `docker import` and `podman import` take. Returns the
 * tarball's path; the caller removes its directory.
 */
export function busyboxTarball(dir: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ferry-busybox-'));
  try {
    mkdirSync(path.join(root, 'bin'));
    mkdirSync(path.join(root, 'tmp'));
    copyFileSync('/bin/busybox', path.join(root, 'bin', 'busybox'));
    const applets = execFileSync('/bin/busybox', ['--list']).toString().split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', path.join(root, 'bin', a));
    const tarball = path.join(dir, 'busybox.tar');
    execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
    return tarball;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
