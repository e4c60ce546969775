import { listAddresses } from '../netns';

/** The IPv4 and IPv6 addresses configured in the daemon's namespace (the host's own). */
export async function listHostAddresses(): Promise<string[]> {
  const links = await listAddresses();
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => !!a));
}
