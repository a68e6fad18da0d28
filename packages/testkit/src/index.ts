export * from './fixture-server.js';
export * from './scripted-model-server.js';
