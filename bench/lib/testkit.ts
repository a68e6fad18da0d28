// One place that names the test kit, so the benchmarks follow its exports as they land.
export { startFixtureServer, type FixtureServer } from '../../packages/testkit/src/fixture-server.js';
export {
  startScriptedModelServer,
  findElementIndex,
  type ScriptedModelServer,
  type ScriptedModelRequest,
  type ScriptedReply,
} from '../../packages/testkit/src/scripted-model-server.js';
export { loopbackNetworkAllowance } from '../../packages/testkit/src/loopback-network.js';
