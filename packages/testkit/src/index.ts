export * from './fixture-server.js';
export * from './scripted-model-server.js';
export * from './loopback-network.js';
export * from './browser-process.js';
