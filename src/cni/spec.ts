/**
 * What the CNI specification (1.0 and 1.1) fixes: the versions, the error
 * codes, the error and result shapes. A result is written in the version the
 * configuration asks for: before 1.0 each IP carries "version", and a
 * configuration of 0.3.x has no CHECK.
 */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const NEWEST_VERSION = '1.1.0';

/** The spec's well-known error codes; 100 and up are Ferry's own. */
export const CNI_ERRORS = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  /** Ferry: the daemon refused the attachment as it stands (it exists already, or conflicts). */
  refused: 100,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details = '',
  ) {
    super(message);
    this.name = 'CniError';
  }

  toJSON(cniVersion: string): Record<string, unknown> {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export interface CniConfig {
  cniVersion: string;
  name: string;
  type: string;
  /** Ferry's network (default: the configuration's name). */
  network?: string;
  /** The daemon's API socket (default /run/ferry/ferry.sock). */
  socket?: string;
  ipam?: { type?: string } & Record<string, unknown>;
  runtimeConfig?: {
    portMappings?: { hostPort: number; containerPort: number; protocol?: string; hostIP?: string }[];
    ips?: string[];
    mac?: string;
    aliases?: Record<string, string[]>;
  };
  prevResult?: unknown;
  /** GC (1.1): the attachments the runtime still has. */
  'cni.dev/valid-attachments'?: { containerID: string; ifname: string }[];
  'cni.dev/attachments'?: { containerID: string; ifname: string }[];
}

/** Checks what every command needs; the version first, as its answer's shape depends on it. */
export function parseConfig(text: string): CniConfig {
  let conf: CniConfig;
  try {
    conf = JSON.parse(text) as CniConfig;
  } catch (e) {
    throw new CniError(CNI_ERRORS.decodingFailure, `the network configuration on stdin is not JSON: ${(e as Error).message}`);
  }
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) throw new CniError(CNI_ERRORS.decodingFailure, 'the network configuration on stdin is not a JSON object');
  if (typeof conf.cniVersion !== 'string') throw new CniError(CNI_ERRORS.invalidConfig, 'the network configuration has no "cniVersion"');
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(conf.cniVersion))
    throw new CniError(CNI_ERRORS.incompatibleVersion, `cniVersion ${conf.cniVersion} is not supported`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  if (typeof conf.name !== 'string' || !conf.name) throw new CniError(CNI_ERRORS.invalidConfig, 'the network configuration has no "name"');
  for (const key of ['network', 'socket'] as const)
    if (conf[key] !== undefined && (typeof conf[key] !== 'string' || !conf[key])) throw new CniError(CNI_ERRORS.invalidConfig, `"${key}" must be a non-empty string`);
  return conf;
}

/** The ADD result in the configuration's version. */
export function formatResult(
  cniVersion: string,
  r: { interface: { name: string; mac: string; sandbox: string }; ips: { address: string; gateway: string }[]; routes: { dst: string; gw?: string }[]; dns: { nameservers: string[]; options: string[] } },
): Record<string, unknown> {
  const old = cniVersion.startsWith('0.');
  return {
    cniVersion,
    interfaces: [r.interface],
    ips: r.ips.map((ip) => ({ ...(old ? { version: ip.address.includes(':') ? '6' : '4' } : {}), address: ip.address, gateway: ip.gateway, interface: 0 })),
    routes: r.routes,
    dns: { ...(r.dns.nameservers.length ? { nameservers: r.dns.nameservers } : {}), ...(r.dns.options.length ? { options: r.dns.options } : {}) },
  };
}
