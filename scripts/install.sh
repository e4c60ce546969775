#!/usr/bin/env bash
# Installs everything Ferry needs on a Debian machine, as root, and builds it.
# Idempotent: packages already present are not fetched again, so CI and a
# second run are quick. Nothing else in the project may rely on hand installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2: namespaces and links; iperf3 + netsniff-ng (trafgen): benchmarks;
# iputils-ping, tcpdump, ethtool: tests and diagnostics; dnsutils (dig) and
# busybox (nslookup): DNS tests; dnsmasq-base: the DNS benchmark baseline;
# iptables/nftables: the NAT benchmark baseline, and the test that Ferry
# leaves their rule sets empty; socat: the userspace relay baseline;
# g++/make/python3: node-gyp (python3 also runs test fixtures); libpcap-dev:
# BPF filters for ferry capture, compiled by libpcap; tshark: a second reader
# of the pcapng files in tests; python3-scapy: forged frames in the port
# security tests; clang: libFuzzer harnesses (npm run fuzz, and a short run in
# the tests); bash-completion, zsh, fish: the shells whose completion scripts
# are installed (and checked by the tests); man-db: the man pages;
# etcd-server: the cluster store (--cluster-store), which tests start themselves;
# libssl-dev: libcrypto for encrypted overlays (ESP, AES-256-GCM); wireguard-go
# and wireguard-tools: userspace WireGuard, the overlay benchmark's reference
# for encrypted overlays (this kernel has neither ESP nor WireGuard);
# docker.io (with containerd and runc), podman and containernetworking-plugins:
# the Docker and CNI plugin tests, which start their own dockerd, containerd
# and podman; busybox-static (it replaces busybox, and gives the same applets):
# the one-file image those tests import, no registry needed.
packages=(iproute2 iperf3 netsniff-ng iputils-ping tcpdump ethtool g++ make python3 procps dnsutils busybox-static docker.io podman containernetworking-plugins dnsmasq-base iptables nftables socat libpcap-dev libssl-dev wireguard-go wireguard-tools tshark python3-scapy clang libclang-rt-14-dev bash-completion zsh fish man-db etcd-server)
# Debian's own Node.js when none is installed; libnode-dev gives node-gyp the
# headers locally, so building the addon downloads nothing.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm libnode-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No service the packages bring may start now (dockerd would write its
  # iptables rules, etcd would listen): a policy-rc.d for the install only.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  # Nor at the next boot, for what this script installed: Ferry's tests run
  # their own daemons; a user's Docker is the user's to enable.
  for unit in docker.service docker.socket containerd.service; do
    case " ${missing[*]} " in *" docker.io "*) systemctl disable "$unit" >/dev/null 2>&1 || true ;; esac
  done
  # Debian starts the etcd service it just installed where it can; Ferry's
  # tests run their own etcd in a namespace, and nothing here wants a
  # machine-wide one left running.
  if [[ " ${missing[*]} " == *" etcd-server "* ]]; then
    systemctl disable --now etcd >/dev/null 2>&1 || service etcd stop >/dev/null 2>&1 || true
  fi
fi

# The native addon is compiled from source against the local Node headers.
if [ -f /usr/include/node/node_api.h ] && [ -z "${npm_config_nodedir:-}" ]; then
  export npm_config_nodedir=/usr
fi
if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules
fi
npm run --silent build

# `ferry` on PATH, its completion for bash, zsh and fish, and its man pages,
# all made from this checkout (a link and generated files: rebuilding the
# checkout updates the command; run this script again after moving it).
ln -sfn "$PWD/bin/ferry" /usr/local/bin/ferry
mkdir -p /usr/share/bash-completion/completions /usr/share/zsh/vendor-completions /usr/share/fish/vendor_completions.d
bin/ferry completion bash >/usr/share/bash-completion/completions/ferry
bin/ferry completion zsh >/usr/share/zsh/vendor-completions/_ferry
bin/ferry completion fish >/usr/share/fish/vendor_completions.d/ferry.fish
node dist/src/cli/man.js /usr/local/share/man/man1 >/dev/null
# The CNI plugin where runtimes look for a plugin by its type: /opt/cni/bin/ferry.
# A script naming node by its path: runtimes run plugins with a bare PATH.
mkdir -p /opt/cni/bin
printf '#!/bin/sh\nexec %s %s "$@"\n' "$(command -v node)" "$PWD/bin/ferry-cni" >/opt/cni/bin/ferry
chmod 755 /opt/cni/bin/ferry
echo "install: ferry is /usr/local/bin/ferry (-> $PWD/bin/ferry), with completion for bash, zsh and fish and man pages (man ferry); the CNI plugin is /opt/cni/bin/ferry"
