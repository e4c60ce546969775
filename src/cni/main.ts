import { readFileSync } from 'node:fs';
import { Client, DaemonError, DEFAULT_SOCKET } from '../cli/client';
import type { CniAddResult } from './attachments';
import { runIpam } from './delegate';
import { CNI_ERRORS, CniError, type CniConfig, NEWEST_VERSION, SUPPORTED_VERSIONS, formatResult, parseConfig } from './spec';

/**
 * /opt/cni/bin/ferry: the CNI plugin, run by a runtime (podman, containerd,
 * kubelet's) as the spec says: the command and the container in
 * environment variables, the network configuration on stdin, the result
 * (or an error object) on stdout. It holds nothing itself; each command is
 * one call to the Ferry daemon on its API socket (cni/attachments.ts).
 */

type Env = NodeJS.ProcessEnv;

function need(env: Env, name: string): string {
  const v = env[name];
  if (!v) throw new CniError(CNI_ERRORS.invalidEnvironment, `${name} is not set`);
  return v;
}

/** CNI_ARGS: "K=V;K=V". */
function cniArgs(env: Env): Record<string, string> {
  return Object.fromEntries((env.CNI_ARGS ?? '').split(';').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** Ferry's network: the configuration's "network", or its name. */
function networkOf(conf: CniConfig): string {
  return conf.network ?? conf.name;
}

/** The daemon's answer, or the CNI error it amounts to. */
async function call<T>(conf: CniConfig, path: string, body: unknown): Promise<T> {
  const socket = conf.socket ?? DEFAULT_SOCKET;
  try {
    return await new Client(socket).request<T>('POST', path, body);
  } catch (e) {
    if (e instanceof DaemonError && e.code !== 'unreachable') {
      const code = e.code === 'conflict' ? CNI_ERRORS.refused : e.code === 'not_found' && path.endsWith('/check') ? CNI_ERRORS.unknownContainer : e.code === 'not_found' || e.code === 'bad_request' ? CNI_ERRORS.invalidConfig : CNI_ERRORS.ioFailure;
      throw new CniError(code, e.message, `ferry daemon: ${e.code}`);
    }
    throw new CniError(CNI_ERRORS.tryAgainLater, `the Ferry daemon does not answer on ${socket}`, (e as Error).message);
  }
}

async function add(conf: CniConfig, stdin: string, env: Env): Promise<Record<string, unknown>> {
  const rc = conf.runtimeConfig ?? {};
  const args = cniArgs(env);
  const ipamType = conf.ipam?.type;
  const ips = ipamType ? await runIpam(ipamType, 'ADD', stdin, env) : rc.ips;
  const aliases = rc.aliases?.[conf.name] ?? [];
  try {
    const r = await call<CniAddResult>(conf, '/v1/cni/add', {
      containerId: need(env, 'CNI_CONTAINERID'),
      netns: need(env, 'CNI_NETNS'),
      ifname: need(env, 'CNI_IFNAME'),
      network: networkOf(conf),
      ...(args.K8S_POD_NAME || aliases[0] ? { name: args.K8S_POD_NAME || aliases[0] } : {}),
      aliases,
      ...(ips?.length ? { ips } : {}),
      ...(rc.mac ? { mac: rc.mac } : {}),
      ...(rc.portMappings?.length ? { portMappings: rc.portMappings } : {}),
    });
    return formatResult(conf.cniVersion, r);
  } catch (e) {
    if (ipamType) await runIpam(ipamType, 'DEL', stdin, env).catch(() => undefined); // nothing stays allocated
    throw e;
  }
}

async function del(conf: CniConfig, stdin: string, env: Env): Promise<void> {
  await call(conf, '/v1/cni/del', { containerId: need(env, 'CNI_CONTAINERID'), ifname: need(env, 'CNI_IFNAME'), network: networkOf(conf) });
  if (conf.ipam?.type) await runIpam(conf.ipam.type, 'DEL', stdin, env);
}

async function check(conf: CniConfig, stdin: string, env: Env): Promise<void> {
  if (conf.cniVersion.startsWith('0.3.')) throw new CniError(CNI_ERRORS.incompatibleVersion, `CHECK is not part of cniVersion ${conf.cniVersion}`);
  need(env, 'CNI_NETNS');
  await call(conf, '/v1/cni/check', { containerId: need(env, 'CNI_CONTAINERID'), ifname: need(env, 'CNI_IFNAME'), network: networkOf(conf) });
  if (conf.ipam?.type) await runIpam(conf.ipam.type, 'CHECK', stdin, env);
}

/** Ready when the daemon answers and has the network. */
async function status(conf: CniConfig): Promise<void> {
  const socket = conf.socket ?? DEFAULT_SOCKET;
  const network = networkOf(conf);
  try {
    await new Client(socket).request('GET', `/v1/networks/${encodeURIComponent(network)}`);
  } catch (e) {
    const down = !(e instanceof DaemonError) || e.code === 'unreachable';
    throw new CniError(CNI_ERRORS.notAvailable, down ? `the Ferry daemon does not answer on ${socket}` : `Ferry has no network "${network}"`, (e as Error).message);
  }
}

async function gc(conf: CniConfig): Promise<void> {
  const valid = conf['cni.dev/valid-attachments'] ?? conf['cni.dev/attachments'] ?? [];
  await call(conf, '/v1/cni/gc', { network: networkOf(conf), valid: valid.map((a) => ({ containerId: a.containerID, ifname: a.ifname })) });
}

/** Runs one command; returns what goes to stdout and the exit code. */
export async function runCni(env: Env, stdin: string): Promise<{ out: string; code: number }> {
  let version = NEWEST_VERSION;
  try {
    const command = need(env, 'CNI_COMMAND');
    if (command === 'VERSION') {
      return { out: JSON.stringify({ cniVersion: NEWEST_VERSION, supportedVersions: SUPPORTED_VERSIONS }), code: 0 };
    }
    const conf = parseConfig(stdin);
    version = conf.cniVersion;
    switch (command) {
      case 'ADD':
        return { out: JSON.stringify(await add(conf, stdin, env)), code: 0 };
      case 'DEL':
        await del(conf, stdin, env);
        return { out: '', code: 0 };
      case 'CHECK':
        await check(conf, stdin, env);
        return { out: '', code: 0 };
      case 'STATUS':
        await status(conf);
        return { out: '', code: 0 };
      case 'GC':
        await gc(conf);
        return { out: '', code: 0 };
      default:
        throw new CniError(CNI_ERRORS.invalidEnvironment, `CNI_COMMAND "${command}" is not one of ADD, DEL, CHECK, STATUS, VERSION, GC`);
    }
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CNI_ERRORS.ioFailure, (e as Error).message);
    return { out: JSON.stringify(err.toJSON(version)), code: 1 };
  }
}

/** The executable's body (bin/ferry-cni). */
export function main(): void {
  let stdin = '';
  try {
    stdin = process.env.CNI_COMMAND === 'VERSION' ? '' : readFileSync(0, 'utf8');
  } catch {
    /* no stdin */
  }
  void runCni(process.env, stdin).then(({ out, code }) => {
    process.stdout.write(out ? `${out}\n` : '');
    process.exitCode = code;
  });
}
