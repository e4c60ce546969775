export * from './engine';
export * from './errors';
export type {
  BridgeOutcomes,
  CaptureCounters,
  CaptureOptions,
  ConntrackEntry,
  ConntrackTuple,
  ConntrackTimeouts,
  MacEntry,
  NativePortStats,
  NativeStats,
  NetworkRouting,
  PublishedPort,
  SegmentOptions,
  StageStats,
  TracedPacket,
  UplinkOptions,
  VnetHeader,
} from './native';
export * from './packet-socket';
export * from './generated/names';
