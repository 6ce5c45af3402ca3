// The network sensor: connections and listening sockets from the kernel's /proc/net tables, each
// attributed to the process holding the socket.
export { DEFAULT_NETWORK_POLL_MS, NetworkSensor, PROC_NET_PROVIDER, type NetworkSensorChoice, type NetworkSensorOptions } from './network-sensor.js';
export { formatIpv6, parseAddress, parseProcNet, socketAction, type ProcNetSocket, type SocketAction } from './proc-net.js';
export { findSocketOwners } from './socket-owners.js';
