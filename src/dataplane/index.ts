export * from './engine';
export * from './errors';
export type {
  BridgeOutcomes,
  CaptureCounters,
  CaptureOptions,
  ConntrackEntry,
  ConntrackTuple,
  ConntrackTimeouts,
  EspPeerConfig,
  EspPeerState,
  MacEntry,
  NativePortStats,
  NativeStats,
  NetworkRouting,
  PublishedPort,
  SegmentOptions,
  StageStats,
  TracedPacket,
  UnderlayOptions,
  UplinkOptions,
  VnetHeader,
} from './native';
export * from './packet-socket';
export * from './generated/names';
