/**
 * Legacy links (`--link NAME[:ALIAS]`, the default bridge only): what the
 * linking container is told of the one it links to, as Docker tells it.
 * An /etc/hosts line (its address, the alias, its short id and its name)
 * and variables named after the alias in capitals (dashes become _):
 *
 *   ALIAS_NAME=/linker/alias
 *   ALIAS_PORT=tcp://IP:PORT                      the lowest exposed port
 *   ALIAS_PORT_5432_TCP=tcp://IP:5432             and for each exposed port:
 *   ALIAS_PORT_5432_TCP_ADDR, _PORT, _PROTO
 *   ALIAS_ENV_KEY=VALUE                           its -e variables, but HOME and PATH
 */
export interface LinkTarget {
  alias: string;
  id: string;
  name: string;
  ip: string;
  ports: { port: number; protocol: string }[];
  env: string[];
}

export function parseLink(spec: string): { name: string; alias: string } {
  const [name = '', alias = name, extra] = spec.split(':');
  const ok = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
  if (extra !== undefined || !ok.test(name) || !ok.test(alias)) throw new LinkError(spec);
  return { name, alias };
}

export class LinkError extends Error {
  readonly code = 'invalid';
  constructor(spec: string) {
    super(`--link ${spec}: expected NAME[:ALIAS]`);
    this.name = 'LinkError';
  }
}

export function linkHostsLine(t: LinkTarget): string {
  return `${t.ip}\t${t.alias} ${t.id.slice(0, 12)}${t.name !== t.alias ? ` ${t.name}` : ''}`;
}

export function linkEnv(linker: string, t: LinkTarget): string[] {
  const prefix = t.alias.toUpperCase().replace(/-/g, '_');
  const ports = [...t.ports].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  const env: string[] = [];
  if (ports[0]) env.push(`${prefix}_PORT=${ports[0].protocol}://${t.ip}:${ports[0].port}`);
  for (const { port, protocol } of ports) {
    const key = `${prefix}_PORT_${port}_${protocol.toUpperCase()}`;
    env.push(`${key}=${protocol}://${t.ip}:${port}`, `${key}_ADDR=${t.ip}`, `${key}_PORT=${port}`, `${key}_PROTO=${protocol}`);
  }
  env.push(`${prefix}_NAME=/${linker}/${t.alias}`);
  for (const e of t.env) {
    const key = e.slice(0, e.indexOf('='));
    if (key !== 'HOME' && key !== 'PATH') env.push(`${prefix}_ENV_${e}`);
  }
  return env;
}
