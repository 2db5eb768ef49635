export * from './nodePorts';
export * from './nodeUploadFile';
