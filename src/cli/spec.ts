import { CONNTRACK_TIMEOUTS } from '../dataplane/generated/names';
import { type OptionSpec, duration, keyOrKeyValue, keyValue, oneOf, positiveInt } from './args';
import { parseAddressPool } from '../daemon/config';
import { parseSince } from './time-spec';

/**
 * Every command of `ferry` and every flag it takes, in one place: the parser
 * (args.ts), each command's --help and `ferry help CMD`, the shell
 * completion scripts and the man pages are all made from this table, so
 * none of them can name a flag the others do not know. It imports nothing
 * heavy: `ferry ps` does not compile the daemon to print its help.
 */
export interface CommandSpec {
  /** As typed: "run", "network create". */
  name: string;
  /** One line, for the command lists. */
  summary: string;
  /** What follows the options in the usage line: "CONTAINER [CONTAINER...]". */
  args: string;
  options: OptionSpec[];
  /** The first positional argument ends the options (the command of `run` and `exec`). */
  stopAtPositional?: boolean;
  /** Other names it answers to ("network list"). */
  aliases?: string[];
  /** Longer text for --help and the man page. */
  description?: string;
}

function conntrackTimeout(raw: string): [string, number] {
  const [name, value] = keyValue(raw);
  if (!(CONNTRACK_TIMEOUTS as readonly string[]).includes(name) || !/^\d+$/.test(value) || Number(value) < 1)
    throw new Error(`NAME=SECONDS with NAME one of ${CONNTRACK_TIMEOUTS.join(', ')}`);
  return [name, Number(value)];
}

const seconds = (raw: string): number => {
  if (!/^\d+$/.test(raw)) throw new Error('a number of seconds');
  return Number(raw);
};

const FORMAT_OPTION: OptionSpec = { flag: '--format', value: 'FORMAT', help: "table (the default), json (one object per line), 'table TEMPLATE' or a Go TEMPLATE per row, e.g. '{{.ID}}\\t{{.Names}}'" };
const INSPECT_FORMAT: OptionSpec = { flag: '--format', short: '-f', value: 'TEMPLATE', help: "a Go template applied to each object, e.g. '{{.NetworkSettings.IPAddress}}'; json: the JSON array" };

/** What run and exec share: the process's environment, directory and user. */
const PROCESS_OPTIONS: OptionSpec[] = [
  { flag: '--env', short: '-e', value: 'KEY=VALUE', repeat: true, help: 'an environment variable (KEY alone: its value in this shell)' },
  { flag: '--workdir', short: '-w', value: 'DIR', help: 'working directory of the command (made if missing)' },
  { flag: '--user', short: '-u', value: 'USER[:GROUP]', help: 'run the command as this user, by name or number' },
];

const RUN_OPTIONS: OptionSpec[] = [
  { flag: '--detach', short: '-d', help: 'run in the background and print the id' },
  { flag: '--name', value: 'NAME', help: 'container name' },
  { flag: '--network', value: 'NET', help: 'bridge, host, none, container:NAME or a network name' },
  { flag: '--ip', value: 'IP', help: 'IPv4 address on a user-defined network' },
  { flag: '--ip6', value: 'IP', help: 'IPv6 address' },
  { flag: '--mac-address', value: 'MAC', help: 'MAC address of eth0' },
  { flag: '--hostname', short: '-h', value: 'NAME', help: 'host name' },
  { flag: '--network-alias', value: 'NAME', repeat: true, help: 'alias on the network' },
  { flag: '--dns', value: 'IP', repeat: true, help: 'nameserver' },
  { flag: '--dns-search', value: 'DOMAIN', repeat: true, help: 'search domain' },
  { flag: '--dns-option', value: 'OPTION', repeat: true, help: 'resolv.conf option, e.g. ndots:2' },
  { flag: '--add-host', value: 'NAME:IP', repeat: true, help: 'extra /etc/hosts entry' },
  { flag: '--publish', short: '-p', value: 'SPEC', repeat: true, help: '[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/tcp|udp|sctp]' },
  { flag: '--publish-all', short: '-P', help: 'publish every exposed port' },
  { flag: '--expose', value: 'PORT', repeat: true, help: 'PORT[-PORT][/tcp|udp|sctp]' },
  { flag: '--rm', help: 'remove the container when it exits' },
  { flag: '--rate-limit', value: 'RATE', help: 'police what each interface sends: 100mbit, 2mbps, 20kpps (a Ferry extension)' },
  { flag: '--link', value: 'NAME[:ALIAS]', repeat: true, help: "the default bridge's legacy link: an /etc/hosts entry and ALIAS_* variables" },
  { flag: '--interactive', short: '-i', help: 'feed the container stdin from here' },
  { flag: '--tty', short: '-t', help: 'run it on a terminal of its own (a pty), this terminal in raw mode meanwhile' },
  ...PROCESS_OPTIONS,
  { flag: '--env-file', value: 'FILE', repeat: true, help: 'read KEY=VALUE lines (KEY alone: from this shell; # comments)' },
];

const NETWORK_CREATE_OPTIONS: OptionSpec[] = [
  { flag: '--driver', short: '-d', value: 'DRIVER', help: 'bridge (default), macvlan, ipvlan, or overlay (in a cluster)' },
  { flag: '--subnet', value: 'CIDR', repeat: true, help: 'subnet, e.g. 172.18.0.0/16' },
  { flag: '--gateway', value: 'IP', repeat: true, help: 'gateway of a subnet' },
  { flag: '--ip-range', value: 'CIDR', repeat: true, help: 'allocate from this part of a subnet' },
  { flag: '--aux-address', value: 'NAME=IP', repeat: true, parse: keyValue, help: 'address never handed out' },
  { flag: '--internal', help: 'no egress' },
  { flag: '--ipv6', help: 'dual stack' },
  { flag: '--attachable', help: 'accepted for compatibility (every overlay network can be joined by containers)' },
  { flag: '--label', value: 'KEY[=VALUE]', repeat: true, parse: keyOrKeyValue, help: 'metadata' },
  { flag: '--opt', short: '-o', value: 'KEY[=VALUE]', repeat: true, parse: keyOrKeyValue, help: 'driver option: bridge: com.docker.network.bridge.*, ferry.port_security=false; macvlan/ipvlan: parent=IFACE[.VID], macvlan_mode=bridge|private|vepa|passthru, ipvlan_mode=l2, ipvlan_flag=bridge|private|vepa, ferry.host_access=true; overlay: com.docker.network.driver.mtu, com.docker.network.driver.overlay.vxlanid_list=VNI, encrypted (ESP between hosts)' },
];

export const COMMAND_SPECS: CommandSpec[] = [
  {
    name: 'daemon',
    summary: 'run the control plane in the foreground',
    args: '',
    description: 'Runs the daemon until SIGTERM or SIGINT; containers keep running when it stops, and the next daemon picks them up.',
    options: [
      { flag: '--state-dir', value: 'DIR', help: 'where the store and container files live (default /var/lib/ferry)' },
      { flag: '--netns-prefix', value: 'PREFIX', help: 'names of container namespaces start with this (default ferry-)' },
      { flag: '--resolv-conf', value: 'FILE', help: "the host's resolv.conf, inherited by containers without --dns (default /etc/resolv.conf)" },
      { flag: '--dns-rate-limit', value: 'QPS', parse: positiveInt(10_000_000), help: 'queries per second per container (default 5000)' },
      { flag: '--dns-timeout-ms', value: 'MS', parse: positiveInt(60_000), help: 'wait for each upstream resolver (default 2000)' },
      { flag: '--uplink', value: 'IFACE', help: "the host interface towards the world; Ferry's router reads and writes it with AF_PACKET" },
      { flag: '--external-ip', value: 'CIDR', help: 'the address Ferry owns on the uplink, with its prefix (192.0.2.10/24)' },
      { flag: '--external-gateway', value: 'IP', help: "the next hop for destinations off the uplink's subnet" },
      { flag: '--external-ip6', value: 'CIDR', help: 'the IPv6 address Ferry owns on the uplink (2001:db8::10/64): NAT66 and IPv6 published ports' },
      { flag: '--external-gateway6', value: 'IP', help: "the IPv6 next hop for destinations off the uplink's IPv6 prefix" },
      { flag: '--conntrack-max', value: 'N', parse: positiveInt(1 << 30), help: 'bound on tracked flows (default 262144)' },
      { flag: '--conntrack-timeout', value: 'NAME=SECONDS', repeat: true, parse: conntrackTimeout, help: 'change one of the Linux default timeouts' },
      { flag: '--poll', value: 'adaptive|busy', parse: oneOf(['adaptive', 'busy']), help: 'the worker\'s polling: adaptive (default: polls a learnt while after traffic, then sleeps; idle, no CPU) or busy (never sleeps: one core always busy, the lowest latency)' },
      { flag: '--ipfrag-time', value: 'SECONDS', parse: positiveInt(3600), help: 'how long an incomplete IPv4 datagram waits for its fragments (default 30, as net.ipv4.ipfrag_time)' },
      { flag: '--docker-plugin', help: "serve Docker's network and IPAM plugin protocol on /run/docker/plugins/ferry.sock (docker network create -d ferry --ipam-driver ferry)" },
      { flag: '--docker-plugin-name', value: 'NAME', help: 'with --docker-plugin: the driver\'s name, and its socket /run/docker/plugins/NAME.sock (default ferry); in a cluster also NAME-overlay, of scope global' },
      { flag: '--docker-plugin-dir', value: 'DIR', help: 'with --docker-plugin: where the sockets go, for a dockerd that reads its plugins elsewhere (default /run/docker/plugins)' },
      { flag: '--docker-host', value: 'unix:///PATH', help: "with --docker-plugin: dockerd's API, where Ferry reads networks' and containers' names (default $DOCKER_HOST or unix:///var/run/docker.sock)" },
      { flag: '--metrics-addr', value: 'HOST:PORT', help: 'serve Prometheus metrics at http://HOST:PORT/metrics (off by default)' },
      { flag: '--cluster-store', value: 'etcd://HOST:PORT[,...]', help: 'join a cluster of daemons through etcd (as the classic Docker daemon)' },
      { flag: '--cluster-store-opt', value: 'KEY=VALUE', repeat: true, parse: keyValue, help: 'with --cluster-store: TLS to etcd, as Docker\'s: kv.cacertfile=FILE, kv.certfile=FILE, kv.keyfile=FILE (a client certificate)' },
      { flag: '--advertise-addr', value: 'IP|IFACE', help: 'with --cluster-store: the address other hosts reach this one on' },
      { flag: '--cluster-ttl', value: 'SECONDS', parse: positiveInt(3600), help: 'with --cluster-store: a daemon silent this long is down (default 10)' },
      { flag: '--vxlan-port', value: 'PORT', parse: positiveInt(65535), help: 'with --cluster-store: the UDP port of overlay networks\' VXLAN (default 4789)' },
      { flag: '--overlay-key-rotation', value: 'DURATION', parse: duration(1000, '12h, 30m or 90s'), help: 'with --cluster-store: how often encrypted overlays\' keys change (default 12h, as Docker\'s)' },
      { flag: '--config-file', value: 'FILE', help: 'daemon.json with Docker\'s keys (default /etc/ferry/daemon.json, if it exists)' },
      { flag: '--bip', value: 'CIDR', help: 'the default bridge\'s address and prefix (192.0.2.1/24)' },
      { flag: '--fixed-cidr', value: 'CIDR', help: 'the default bridge\'s addresses for containers, inside --bip\'s subnet' },
      { flag: '--ipv6', help: 'IPv6 on the default bridge (with --fixed-cidr-v6)' },
      { flag: '--fixed-cidr-v6', value: 'CIDR', help: 'the default bridge\'s IPv6 subnet' },
      { flag: '--mtu', value: 'N', parse: positiveInt(65535), help: 'the default bridge\'s MTU (default 1500)' },
      { flag: '--default-gateway', value: 'IP', help: 'default-bridge containers\' default route, if not the bridge' },
      { flag: '--default-gateway-v6', value: 'IP', help: 'the same for IPv6' },
      { flag: '--dns', value: 'IP', repeat: true, help: 'nameserver for containers without --dns (SIGHUP reloads it)' },
      { flag: '--label', value: 'KEY=VALUE', repeat: true, help: 'a label of this daemon, shown by ferry info (SIGHUP reloads it)' },
      { flag: '--default-address-pool', value: 'base=CIDR,size=N', repeat: true, parse: parseAddressPool, help: 'where network create picks subnets (instead of 172.17-31.0.0/16, 192.168.0.0/16 in /20s)' },
    ],
  },
  { name: 'node ls', aliases: ['node list'], summary: 'list the daemons of the cluster (--cluster-store)', args: '', options: [FORMAT_OPTION] },
  { name: 'node keys', summary: "encrypted overlays' keys: the epoch, and per host the SPIs and packets sealed (as ip xfrm state)", args: '', options: [{ flag: '--json', help: 'as JSON' }] },
  { name: 'node rotate-keys', summary: "moves the cluster to new keys for encrypted overlays now (otherwise every --overlay-key-rotation)", args: '', options: [] },
  { name: 'network create', summary: 'create a network', args: 'NAME', options: NETWORK_CREATE_OPTIONS },
  {
    name: 'network ls',
    aliases: ['network list'],
    summary: 'list networks',
    args: '',
    options: [
      { flag: '--quiet', short: '-q', help: 'only IDs' },
      { flag: '--no-trunc', help: 'whole IDs' },
      FORMAT_OPTION,
    ],
  },
  { name: 'network inspect', summary: 'show networks in detail, as JSON', args: 'NETWORK [NETWORK...]', options: [INSPECT_FORMAT] },
  { name: 'network rm', aliases: ['network remove'], summary: 'remove networks', args: 'NETWORK [NETWORK...]', options: [] },
  { name: 'network prune', summary: 'remove networks no container uses', args: '', options: [{ flag: '--force', short: '-f', help: 'do not ask (Ferry never asks)' }] },
  {
    name: 'network connect',
    summary: 'connect a container to a network',
    args: 'NETWORK CONTAINER',
    options: [
      { flag: '--ip', value: 'IP', help: 'IPv4 address' },
      { flag: '--ip6', value: 'IP', help: 'IPv6 address' },
      { flag: '--alias', value: 'NAME', repeat: true, help: 'network-scoped alias' },
    ],
  },
  { name: 'network disconnect', summary: 'disconnect a container from a network', args: 'NETWORK CONTAINER', options: [{ flag: '--force', short: '-f', help: 'accepted for compatibility' }] },
  { name: 'run', summary: 'run a container (a process in its own namespaces)', args: '[--] CMD [ARG...]', options: RUN_OPTIONS, stopAtPositional: true },
  {
    name: 'create',
    summary: 'create a container without starting it',
    args: '[--] CMD [ARG...]',
    description: 'Prints its id. Connect it to more networks with ferry network connect, then ferry start it: it starts on all of them. Created with -i or -t, ferry start -ai attaches to it.',
    options: RUN_OPTIONS.filter((o) => o.flag !== '--detach'),
    stopAtPositional: true,
  },
  {
    name: 'ps',
    summary: 'list containers',
    args: '',
    options: [
      { flag: '--all', short: '-a', help: 'also stopped containers' },
      { flag: '--quiet', short: '-q', help: 'only IDs' },
      { flag: '--filter', short: '-f', value: 'KEY=VALUE', repeat: true, parse: keyValue, help: 'id=, name= (a regular expression), network=, status= (created, running, exited)' },
      { flag: '--no-trunc', help: 'whole IDs and commands' },
      FORMAT_OPTION,
    ],
  },
  { name: 'inspect', summary: 'show containers in detail, as JSON', args: 'CONTAINER [CONTAINER...]', options: [INSPECT_FORMAT] },
  {
    name: 'exec',
    summary: 'run a command in a running container',
    args: 'CONTAINER [--] CMD [ARG...]',
    stopAtPositional: true,
    description: "The command gets the container's environment (its -e), working directory and user unless given here, and this terminal: with -i its stdin, with -t a check that stdin is a terminal.",
    options: [
      { flag: '--interactive', short: '-i', help: 'keep stdin open for the command' },
      { flag: '--tty', short: '-t', help: 'the command runs on this terminal (stdin must be one)' },
      { flag: '--detach', short: '-d', help: 'run it in the background' },
      ...PROCESS_OPTIONS,
    ],
  },
  {
    name: 'logs',
    summary: "print a container's output",
    args: 'CONTAINER',
    description: 'The log holds the bytes the container wrote; beside it, the time each part arrived, which --since and --timestamps use (a line is as old as its last byte).',
    options: [
      { flag: '--follow', short: '-f', help: 'keep printing what it writes until it stops' },
      { flag: '--since', value: 'TIME', parse: (v) => parseSince(v), help: 'only lines since TIME: 2026-11-24T10:00:00Z, 2026-11-24, Unix seconds, or a duration before now (10m, 1h30m)' },
      { flag: '--timestamps', short: '-t', help: 'each line with the time it arrived (RFC 3339, nanoseconds)' },
      {
        flag: '--tail',
        short: '-n',
        value: 'N',
        parse: (v) => {
          if (v !== 'all' && !/^\d+$/.test(v)) throw new Error('a number of lines, or all');
          return v;
        },
        help: 'only the last N lines (default all)',
      },
    ],
  },
  { name: 'stop', summary: 'stop containers (SIGTERM, then SIGKILL after the grace period)', args: 'CONTAINER [CONTAINER...]', options: [{ flag: '--time', short: '-t', value: 'SECONDS', parse: seconds, help: 'grace period before SIGKILL (default 10)' }] },
  {
    name: 'start',
    summary: 'start stopped containers',
    args: 'CONTAINER [CONTAINER...]',
    options: [
      { flag: '--attach', short: '-a', help: "print its output as it comes and return its exit code (one container)" },
      { flag: '--interactive', short: '-i', help: 'with -a: feed its stdin from here (it was created with -i or -t)' },
    ],
  },
  { name: 'kill', summary: 'send a signal to containers', args: 'CONTAINER [CONTAINER...]', options: [{ flag: '--signal', short: '-s', value: 'SIGNAL', help: 'default SIGKILL' }] },
  { name: 'rm', summary: 'remove containers', args: 'CONTAINER [CONTAINER...]', options: [{ flag: '--force', short: '-f', help: 'stop it first if running' }] },
  {
    name: 'stats',
    summary: "the data plane's counters, per port and network (or per stage)",
    args: '',
    options: [
      { flag: '--json', help: 'the raw counters' },
      { flag: '--stages', help: 'per stage of the graph: packets, time per packet, outcomes' },
    ],
  },
  { name: 'dns stats', summary: 'counters of the embedded resolver', args: '', options: [{ flag: '--format', value: 'FORMAT', parse: oneOf(['table', 'json']), help: 'table (the default) or json' }] },
  {
    name: 'events',
    summary: 'containers and networks as they change, like docker events',
    args: '',
    options: [
      { flag: '--format', value: 'FORMAT', parse: oneOf(['json']), help: 'json: one JSON object per line' },
      {
        flag: '--since',
        value: 'NANOS',
        parse: (v) => {
          if (!/^\d+$/.test(v)) throw new Error('nanoseconds since the epoch');
          return v;
        },
        help: 'also the recent events from this time on',
      },
    ],
  },
  {
    name: 'info',
    summary: "the daemon: its containers, networks, uplink and labels (as docker info)",
    args: '',
    options: [{ flag: '--json', help: 'as JSON' }],
  },
  {
    name: 'conntrack',
    summary: "the NAT's tracked flows, like conntrack -L",
    args: '',
    options: [
      { flag: '--list', short: '-L', help: 'list the entries (the default)' },
      { flag: '--json', help: 'the entries as JSON' },
    ],
  },
  {
    name: 'trace',
    summary: "each stage's decision for the next packets, or for one injected as a dry run",
    args: '[-- PACKET]',
    description: "With --inject CONTAINER, the packet after -- is built as that container would send it, e.g. 'tcp 172.18.0.2:40000 > 198.51.100.1:80 syn' (see docs/stages.md).",
    options: [
      { flag: '--count', short: '-c', value: 'N', parse: positiveInt(10000), help: 'packets to trace (default 10)' },
      { flag: '--port', value: 'PORT', help: 'only packets arriving on CONTAINER[/IFACE], a host interface, "uplink" or a port id' },
      { flag: '--timeout', value: 'SECONDS', parse: positiveInt(3600), help: 'stop waiting after this long (default 10)' },
      { flag: '--inject', value: 'CONTAINER[/IFACE]', help: 'build the packet given after -- as this container would send it' },
      { flag: '--send', help: 'with --inject: really send it (default: a dry run that changes nothing)' },
      { flag: '--json', help: 'one JSON object per packet' },
    ],
  },
  {
    name: 'capture',
    summary: 'pcapng of what crosses a port (a container, ferry0, uplink)',
    args: 'PORT',
    options: [
      { flag: '--write', short: '-w', value: 'FILE', help: 'write pcapng to FILE, or - for stdout' },
      { flag: '--count', short: '-c', value: 'N', parse: positiveInt(1e9), help: 'stop after N frames' },
      { flag: '--filter', short: '-f', value: 'BPF', help: "a tcpdump filter expression, e.g. 'tcp port 80'" },
      { flag: '--drops', help: 'also record frames the data plane dropped, with the reason as a comment' },
      { flag: '--snaplen', short: '-s', value: 'BYTES', parse: positiveInt(262144), help: 'bytes kept of each frame (default 262144: GSO frames whole)' },
    ],
  },
  { name: 'demo', summary: 'two containers on a Ferry bridge: ping, a TCP transfer, counters', args: '', options: [{ flag: '--seconds', value: 'N', parse: positiveInt(600), help: 'length of the TCP transfer' }] },
  { name: 'completion', summary: 'a completion script for bash, zsh or fish', args: 'bash|zsh|fish', options: [], description: 'bash: source <(ferry completion bash); the install script puts each where its shell looks.' },
  { name: 'version', summary: 'print the version', args: '', options: [] },
  { name: 'help', summary: 'this text, or a command\'s', args: '[COMMAND [SUBCOMMAND]]', options: [] },
];

/** The spec of a command as typed ("network list" finds "network ls"), or undefined. */
export function commandSpec(name: string): CommandSpec | undefined {
  return COMMAND_SPECS.find((c) => c.name === name || c.aliases?.includes(name));
}

/** The spec of a command this file declares; a typo in Ferry's own code fails loudly. */
export function specOf(name: string): CommandSpec {
  const spec = commandSpec(name);
  if (!spec) throw new Error(`no command spec for "${name}"`);
  return spec;
}

/** Commands with subcommands ("network", "dns") and what they take. */
export function groups(): Map<string, CommandSpec[]> {
  const out = new Map<string, CommandSpec[]>();
  for (const c of COMMAND_SPECS) {
    const [head, sub] = c.name.split(' ');
    if (sub) out.set(head!, [...(out.get(head!) ?? []), c]);
  }
  return out;
}
