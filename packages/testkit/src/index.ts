export * from './fixture-server.js';
export * from './scripted-model-server.js';
export * from './bot-detection-site.js';
export * from './loopback-network.js';
export * from './ad-site.js';
export * from './browser-process.js';
export * from './redis-server.js';
export * from './postgres-server.js';
