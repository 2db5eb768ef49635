export * from './nodePorts';
