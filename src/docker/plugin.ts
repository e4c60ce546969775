import type { Server } from 'node:http';
import type { DockerIpam } from './ipam-driver';
import type { DockerNetworkDriver } from './network-driver';
import { PLUGIN_DIR, servePlugin } from './plugin-server';

/** The driver's name is its socket's: /run/docker/plugins/NAME.sock, which dockerd finds by itself. */
export function pluginSocket(name: string, dir = PLUGIN_DIR): string {
  return `${dir}/${name}.sock`;
}

/** Serves Ferry as Docker's network driver and IPAM driver, both under one name. */
export function serveDockerPlugin(socketPath: string, driver: DockerNetworkDriver, ipam: DockerIpam, onError: (method: string, e: Error) => void): Promise<Server> {
  // Calls Docker makes only for swarm (AllocateNetwork, FreeNetwork) or that
  // a local driver has nothing to do for (Discover*) are answered empty.
  const nothing = () => ({});
  type Body = Record<string, never>;
  return servePlugin(
    socketPath,
    {
      'Plugin.Activate': () => ({ Implements: ['NetworkDriver', 'IpamDriver'] }),
      'NetworkDriver.GetCapabilities': () => driver.capabilities(),
      'NetworkDriver.CreateNetwork': (b) => driver.createNetwork(b as Body),
      'NetworkDriver.DeleteNetwork': (b) => driver.deleteNetwork(b as Body),
      'NetworkDriver.AllocateNetwork': nothing,
      'NetworkDriver.FreeNetwork': nothing,
      'NetworkDriver.CreateEndpoint': (b) => driver.createEndpoint(b as Body),
      'NetworkDriver.DeleteEndpoint': (b) => driver.deleteEndpoint(b as Body),
      'NetworkDriver.EndpointOperInfo': (b) => driver.endpointInfo(b as Body),
      'NetworkDriver.Join': (b) => driver.join(b as Body),
      'NetworkDriver.Leave': (b) => driver.leave(b as Body),
      'NetworkDriver.DiscoverNew': nothing,
      'NetworkDriver.DiscoverDelete': nothing,
      'NetworkDriver.ProgramExternalConnectivity': (b) => driver.programExternalConnectivity(b as Body),
      'NetworkDriver.RevokeExternalConnectivity': (b) => driver.revokeExternalConnectivity(b as Body),
      'IpamDriver.GetCapabilities': () => ipam.capabilities(),
      'IpamDriver.GetDefaultAddressSpaces': () => ipam.defaultAddressSpaces(),
      'IpamDriver.RequestPool': (b) => ipam.requestPool(b as Body),
      'IpamDriver.ReleasePool': (b) => ipam.releasePool(b as Body),
      'IpamDriver.RequestAddress': (b) => ipam.requestAddress(b as Body),
      'IpamDriver.ReleaseAddress': (b) => ipam.releaseAddress(b as Body),
    },
    onError,
  );
}
