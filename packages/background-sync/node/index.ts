// The engine's Node adapters: the database, the ports and the streaming upload.
export { type NodeDatabaseOptions, nodeAppSchema, openNodeDatabase } from './nodeDatabase';
export {
  consoleLogger,
  createNodePorts,
  type LogLevel,
  type NodePorts,
  type NodePortsOptions,
  nodeFetch,
  nodeFiles,
  SettableConnectivity,
  systemClock,
} from './nodePorts';
export { createNodeUploadFile, type NodeUploadFileOptions, nodeUploadFile } from './nodeUploadFile';
