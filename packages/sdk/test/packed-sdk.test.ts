import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { startEndToEnd, testApiKey, type EndToEnd } from './end-to-end-harness.js';

// The SDK as a user gets it: `npm pack` (which builds it), installed into a project outside the
// workspace, imported as plain JavaScript, driving a session on a started server.

const run = promisify(execFile);
const sdkDirectory = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
let world: EndToEnd;
let project: string;

before(async () => {
  world = await startEndToEnd();
  project = await mkdtemp(join(tmpdir(), 'open-smooth-sdk-user-'));
  await run('npm', ['pack', '--pack-destination', project], { cwd: sdkDirectory });
  const [tarball] = (await readdir(project)).filter((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack made a tarball');
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'sdk-user', private: true, type: 'module' }));
  // No network needed: the SDK has no dependencies.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${tarball}`], { cwd: project });
});
after(async () => {
  await world.close();
  await rm(project, { recursive: true, force: true });
});

test('the packed SDK installs outside the workspace and runs a session as plain JavaScript', async () => {
  const script = `
import { SmoothClient, ToolCallError } from '@open-smooth/sdk';
const client = new SmoothClient({ baseUrl: process.env.SMOOTH_BASE_URL });
const session = await client.session({ device: 'desktop' });
await session.goto(process.env.SITE_URL);
const title = await session.evaluateJs('document.title');
let refused = '';
try {
  await session.evaluateJs('throw new Error("nope")');
} catch (error) {
  refused = error instanceof ToolCallError ? 'ToolCallError: ' + error.message : String(error);
}
await session.close();
console.log(JSON.stringify({ title: title.output, refused }));
`;
  await writeFile(join(project, 'session.mjs'), script);
  // CIRCLEMIND_API_KEY, the official TS SDK's variable, works as well as SMOOTH_API_KEY.
  const environment = { ...process.env, CIRCLEMIND_API_KEY: testApiKey, SMOOTH_API_KEY: '', SMOOTH_BASE_URL: world.server.apiBaseUrl, SITE_URL: world.sites.url('/flights') };
  const { stdout } = await run(process.execPath, ['session.mjs'], { cwd: project, env: environment, timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  assert.match(result.title, /SkyHop/);
  assert.match(result.refused, /^ToolCallError: .*nope/);
});

test('the packed SDK type-checks in a strict TypeScript project and bundles for browsers without Node modules', async () => {
  await writeFile(
    join(project, 'check.ts'),
    `import { SmoothClient, type TaskResponse } from '@open-smooth/sdk';
const client = new SmoothClient({ apiKey: 'sk', baseUrl: 'http://127.0.0.1:1/api/' });
export async function titleOf(url: string): Promise<unknown> {
  const session = await client.session({ device: 'desktop' });
  await session.goto(url);
  const result: TaskResponse = await session.result();
  return (await session.evaluateJs('document.title')).output ?? result.status;
}
`,
  );
  // What `tsc --init` gives (skipLibCheck included), without Node's types: the SDK's must not need them.
  const compilerOptions = { noEmit: true, strict: true, skipLibCheck: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023', 'dom'], types: [] };
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
  const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project });

  const bundled = await build({
    stdin: { contents: `export { SmoothClient } from '@open-smooth/sdk';`, resolveDir: project },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const code = bundled.outputFiles[0]?.text ?? '';
  assert.doesNotMatch(code, /node:/);
  assert.match(code, /file paths work only under Node/);
});
