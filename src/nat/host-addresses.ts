import { run } from '../netns';

/** The IPv4 addresses configured in the daemon's namespace (the host's own). */
export async function listHostAddresses(): Promise<string[]> {
  const r = await run('ip', ['-j', '-4', 'addr', 'show']);
  if (r.code !== 0) throw new Error(`ip addr show failed: ${r.stderr.trim()}`);
  const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local?: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => !!a));
}
