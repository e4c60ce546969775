import { readFileSync } from 'node:fs';

export interface ResolvConf {
  /** The file as it is ("" when it cannot be read). */
  text: string;
  nameservers: string[];
  search: string[];
}

/** Reads and parses a resolv.conf; a missing or unreadable file is an empty one. */
export function readResolvConf(file: string): ResolvConf {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* none */
  }
  return {
    text,
    nameservers: [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!),
    search: /^\s*search\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [],
  };
}
