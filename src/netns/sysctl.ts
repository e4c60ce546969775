import { native } from '../dataplane/errors';
import { loadNative } from '../dataplane/native';
import { netnsPath } from './namespaces';

/**
 * Sets a sysctl of a network namespace, e.g. ("net.ipv6.conf.all.disable_ipv6", "1"),
 * from inside it (no process is spawned).
 */
export function setNetnsSysctl(ns: string, key: string, value: string): void {
  if (!/^net\.[a-z0-9_.-]+$/i.test(key)) throw new Error(`"${key}" is not a net.* sysctl`);
  native(() => loadNative().writeInNetns(netnsPath(ns), `/proc/sys/${key.replace(/\./g, '/')}`, value));
}
