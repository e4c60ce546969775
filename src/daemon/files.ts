import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readResolvConf } from '../dns/resolv-conf';
import type { ContainerFiles } from './processes';

/**
 * A container's /etc/hosts, /etc/hostname and /etc/resolv.conf, kept in the
 * state directory and bind-mounted over the host's files inside the
 * container's mount namespace. Rewritten in place (same inode) so the bind
 * mounts see later changes, e.g. after `network connect`.
 */
export function containerFiles(stateDir: string, id: string): ContainerFiles {
  const dir = path.join(stateDir, 'containers', id);
  return { dir, hosts: path.join(dir, 'hosts'), hostname: path.join(dir, 'hostname'), resolvConf: path.join(dir, 'resolv.conf'), log: path.join(dir, 'log'), logTimes: path.join(dir, 'log.times') };
}

/** The container's own addresses map to its hostname and its name: its own name resolves on every network, the default bridge included. */
export function writeHosts(f: ContainerFiles, opts: { hostname: string; name: string; addresses: string[]; extraHosts: { name: string; ip: string }[]; more?: string[] }): void {
  mkdirSync(f.dir, { recursive: true, mode: 0o755 });
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::\tip6-localnet',
    'ff00::\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...opts.extraHosts.map((h) => `${h.ip}\t${h.name}`),
    ...(opts.more ?? []),
    ...opts.addresses.map((a) => `${a}\t${opts.hostname}${opts.name !== opts.hostname ? ` ${opts.name}` : ''}`),
  ];
  writeFileSync(f.hosts, `${lines.join('\n')}\n`);
  writeFileSync(f.hostname, `${opts.hostname}\n`);
}

/**
 * With the embedded resolver (bridge networks): nameserver 127.0.0.11, the
 * search domains of --dns-search or else the host's, and options with
 * ndots:0 unless --dns-option sets ndots, as Docker writes it; the --dns
 * servers become the resolver's upstreams. Without it (host and none modes):
 * --dns and --dns-search, else the host's file without loopback nameservers
 * (they would mean the container's own loopback).
 */
export function writeResolvConf(f: ContainerFiles, opts: { dns: string[]; dnsSearch: string[]; dnsOptions: string[]; hostResolvConf: string; embedded?: string }): void {
  mkdirSync(f.dir, { recursive: true, mode: 0o755 });
  let text: string;
  if (opts.embedded) {
    const search = opts.dnsSearch.length ? opts.dnsSearch : readResolvConf(opts.hostResolvConf).search;
    const options = opts.dnsOptions.some((o) => o.startsWith('ndots:')) ? opts.dnsOptions : ['ndots:0', ...opts.dnsOptions];
    text = [`nameserver ${opts.embedded}`, ...(search.length ? [`search ${search.join(' ')}`] : []), `options ${options.join(' ')}`].join('\n');
  } else if (opts.dns.length || opts.dnsSearch.length) {
    text = [...opts.dns.map((d) => `nameserver ${d}`), ...(opts.dnsSearch.length ? [`search ${opts.dnsSearch.join(' ')}`] : [])].join('\n');
  } else {
    text = readResolvConf(opts.hostResolvConf)
      .text.split('\n')
      .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
      .join('\n')
      .trim();
  }
  writeFileSync(f.resolvConf, `${text}\n`);
}
