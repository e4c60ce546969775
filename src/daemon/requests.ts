import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { badRequest } from './errors';

/**
 * The bodies the API accepts, as schemas: each is checked before anything
 * happens, and the same schema is the TypeScript type the daemon works with,
 * so the two cannot disagree. A wrong type, a missing field or a field the
 * call does not know is a 400 that names the field; nothing is created.
 */

const Strings = Type.Array(Type.String());
const StringMap = Type.Record(Type.String(), Type.String());
const strict = { additionalProperties: false } as const;

export const NetworkCreateRequest = Type.Object(
  {
    name: Type.String(),
    driver: Type.Optional(Type.String()),
    subnets: Type.Optional(Strings),
    gateways: Type.Optional(Strings),
    ipRanges: Type.Optional(Strings),
    auxAddresses: Type.Optional(StringMap),
    internal: Type.Optional(Type.Boolean()),
    attachable: Type.Optional(Type.Boolean()),
    ipv6: Type.Optional(Type.Boolean()),
    labels: Type.Optional(StringMap),
    options: Type.Optional(StringMap),
  },
  strict,
);
export type NetworkCreateSpec = Static<typeof NetworkCreateRequest>;

export const ConnectRequest = Type.Object(
  {
    container: Type.String(),
    ip: Type.Optional(Type.String()),
    ip6: Type.Optional(Type.String()),
    aliases: Type.Optional(Strings),
  },
  strict,
);
export type ConnectSpec = Static<typeof ConnectRequest>;

export const DisconnectRequest = Type.Object({ container: Type.String(), force: Type.Optional(Type.Boolean()) }, strict);

/** A terminal's size: -t's at run, and resize's. */
const TerminalSize = Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 1000 }), cols: Type.Integer({ minimum: 1, maximum: 1000 }) }, strict);

export const RunRequest = Type.Object(
  {
    name: Type.Optional(Type.String()),
    cmd: Type.Array(Type.String(), { minItems: 1 }),
    network: Type.Optional(Type.String()),
    ip: Type.Optional(Type.String()),
    ip6: Type.Optional(Type.String()),
    mac: Type.Optional(Type.String()),
    hostname: Type.Optional(Type.String()),
    aliases: Type.Optional(Strings),
    dns: Type.Optional(Strings),
    dnsSearch: Type.Optional(Strings),
    dnsOptions: Type.Optional(Strings),
    addHosts: Type.Optional(Strings),
    ports: Type.Optional(Strings),
    publishAll: Type.Optional(Type.Boolean()),
    expose: Type.Optional(Strings),
    autoRemove: Type.Optional(Type.Boolean()),
    rateLimit: Type.Optional(Type.String()),
    /** KEY=VALUE, as the CLI resolved -e and --env-file. */
    env: Type.Optional(Strings),
    workdir: Type.Optional(Type.String()),
    /** USER[:GROUP], by name or number. */
    user: Type.Optional(Type.String()),
    /** Legacy links, NAME[:ALIAS] (the default bridge). */
    links: Type.Optional(Strings),
    /** -i: its stdin is fed by attach; -t: it runs on a terminal of its own, of this size. */
    interactive: Type.Optional(Type.Boolean()),
    tty: Type.Optional(TerminalSize),
  },
  strict,
);
export type RunSpec = Static<typeof RunRequest>;

export const KillRequest = Type.Object({ signal: Type.Optional(Type.String()) }, strict);

/** The grace period before SIGKILL; bounded, so no caller can park a stop for days. */
export const MAX_STOP_SECONDS = 3600;
/** A -t container's terminal size, when the caller's changes. */
export const ResizeRequest = TerminalSize;

export const StopRequest = Type.Object({ timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STOP_SECONDS })) }, strict);

export const EmptyRequest = Type.Object({}, strict);

/** A live trace: the next `count` packets (on `port`, a name as users give it), for at most `timeout` seconds. */
export const TraceRequest = Type.Object(
  {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    port: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  strict,
);

/** ferry capture: the frames crossing a port (see src/daemon/capture.ts), as pcapng. */
export const CaptureRequest = Type.Object(
  {
    port: Type.String(),
    filter: Type.Optional(Type.String()),
    count: Type.Optional(Type.Integer({ minimum: 1 })),
    drops: Type.Optional(Type.Boolean()),
    snaplen: Type.Optional(Type.Integer({ minimum: 14, maximum: 262144 })),
  },
  strict,
);

/** One packet built from a spec (src/trace/packet-spec.ts) as CONTAINER[/IFACE] would send it; a dry run unless `send`. */
export const InjectRequest = Type.Object({ from: Type.String(), packet: Type.String(), send: Type.Optional(Type.Boolean()) }, strict);

/** "/aliases/0" -> "aliases[0]" */
function fieldName(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function accepted(schema: TSchema): string {
  return Object.keys((schema as { properties?: object }).properties ?? {}).join(', ') || 'none';
}

/** The CNI plugin's calls (cni/main.ts -> cni/attachments.ts). */
export const CniAddRequest = Type.Object(
  {
    containerId: Type.String({ minLength: 1 }),
    netns: Type.String({ minLength: 1 }),
    ifname: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,15}$' }),
    network: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    aliases: Type.Optional(Strings),
    ips: Type.Optional(Strings),
    mac: Type.Optional(Type.String()),
    portMappings: Type.Optional(
      Type.Array(
        Type.Object(
          { hostPort: Type.Integer({ minimum: 1, maximum: 65535 }), containerPort: Type.Integer({ minimum: 1, maximum: 65535 }), protocol: Type.Optional(Type.String()), hostIP: Type.Optional(Type.String()) },
          strict,
        ),
      ),
    ),
  },
  strict,
);
export type CniAddSpec = Static<typeof CniAddRequest>;
export const CniAttachmentRequest = Type.Object({ containerId: Type.String({ minLength: 1 }), ifname: Type.String({ minLength: 1 }), network: Type.String({ minLength: 1 }) }, strict);
export const CniGcRequest = Type.Object({ network: Type.String({ minLength: 1 }), valid: Type.Array(Type.Object({ containerId: Type.String(), ifname: Type.String() }, strict)) }, strict);

/** The body as the schema's type, or a 400 naming the first field that is wrong. */
export function parseRequest<S extends TSchema>(schema: S, body: unknown): Static<S> {
  if (Value.Check(schema, body)) return body;
  const first = Value.Errors(schema, body).First();
  if (!first || first.path === '') throw badRequest('request body must be a JSON object');
  const field = fieldName(first.path);
  if (first.message === 'Unexpected property') throw badRequest(`unknown field "${field}" in request body (accepted: ${accepted(schema)})`);
  const got = first.value === null ? 'null' : Array.isArray(first.value) ? 'array' : typeof first.value;
  throw badRequest(`field "${field}" in request body: ${first.message.charAt(0).toLowerCase()}${first.message.slice(1)} (got ${got})`);
}
