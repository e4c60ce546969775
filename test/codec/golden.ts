/**
 * Frames captured from Linux 6.18 between two namespaces over a veth pair with
 * transmit checksum offload turned off, so every checksum was computed by the
 * kernel in software: an independent reference for parse and build.
 * MACs 02:00:00:00:00:0a (A, 192.0.2.1, 2001:db8::1) and ...:0b (B, .2, ::2).
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const A_MAC = '02:00:00:00:00:0a';
export const B_MAC = '02:00:00:00:00:0b';

/** ARP request: who has 192.0.2.2, tell 192.0.2.1. */
export const ARP_REQUEST = hex('ffffffffffff 02000000000a 0806 0001 0800 06 04 0001 02000000000a c0000201 000000000000 c0000202');

/** ICMP echo request 192.0.2.1 -> .2, id 3960 (0x0f78), seq 1, 8 bytes 00..07. */
export const ICMP_ECHO = hex(
  '02000000000b 02000000000a 0800 4500 0024 f711 4000 4001 bfc3 c0000201 c0000202 0800 dc76 0f78 0001 0001020304050607',
);

/** ICMPv6 echo request 2001:db8::1 -> ::2, id 3961, seq 1. */
export const ICMP6_ECHO = hex(
  '02000000000b 02000000000a 86dd 6008 3355 0010 3a 40 20010db8000000000000000000000001 20010db8000000000000000000000002 8000 08b6 0f79 0001 0001020304050607',
);

/** UDP 192.0.2.1:40000 -> 192.0.2.2:5353, payload "ferry". */
export const UDP4 = hex('02000000000b 02000000000a 0800 4500 0021 fb2c 4000 4011 bb9b c0000201 c0000202 9c40 14e9 000d 78ce 6665727279');

/** UDP [2001:db8::1]:40001 -> [2001:db8::2]:5354, payload "ferry6". */
export const UDP6 = hex(
  '02000000000b 02000000000a 86dd 6006 f0a3 000e 11 40 20010db8000000000000000000000001 20010db8000000000000000000000002 9c41 14ea 000e a123 666572727936',
);

/** TCP SYN 192.0.2.1:40002 -> 192.0.2.2:8080 with MSS, SACK-permitted, timestamps, window scale. */
export const TCP_SYN = hex(
  '02000000000b 02000000000a 0800 4500 003c 2572 4000 4006 9146 c0000201 c0000202 9c42 1f90 325ac0bd 00000000 a002 faf0 8a70 0000 020405b40402080ac446cb66000000000103030a',
);

/** TCP PSH|ACK carrying "ferry", same connection. */
export const TCP_DATA = hex(
  '02000000000b 02000000000a 0800 4500 0039 2574 4000 4006 9147 c0000201 c0000202 9c42 1f90 325ac0be 4ff859b1 8018 003f d31f 0000 0101080ac446cb66d8030d2f 6665727279',
);

/** The ICMP echo above with an 802.1Q tag (VLAN 10, priority 5) inserted by hand after the source MAC. */
export const ICMP_ECHO_TAGGED = Buffer.concat([ICMP_ECHO.subarray(0, 12), hex('8100 a00a'), ICMP_ECHO.subarray(12)]);
