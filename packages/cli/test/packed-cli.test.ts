import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The CLI as `npm pack` makes it: one bundled binary, the workspace packages inside it, their
// third-party dependencies declared (installing those is npm's job; here they come from the
// repository's node_modules, which the unpacked copy below sits under).

const run = promisify(execFile);
const cliDirectory = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

test('npm pack makes a CLI tarball whose binary runs without the workspace sources', async (t) => {
  const packDirectory = await mkdtemp(join(tmpdir(), 'open-smooth-cli-pack-'));
  const unpacked = join(repositoryRoot, 'tmp', `packed-cli-${process.pid}`);
  t.after(async () => {
    await rm(packDirectory, { recursive: true, force: true });
    await rm(unpacked, { recursive: true, force: true });
  });
  await run('npm', ['pack', '--pack-destination', packDirectory], { cwd: cliDirectory });
  const [tarball] = (await readdir(packDirectory)).filter((name) => name.endsWith('.tgz'));
  assert.ok(tarball);
  await mkdir(unpacked, { recursive: true });
  await run('tar', ['-xzf', join(packDirectory, tarball), '-C', unpacked]);

  const manifest = JSON.parse(await readFile(join(unpacked, 'package', 'package.json'), 'utf8'));
  assert.equal(manifest.private, undefined);
  assert.deepEqual(manifest.bin, { smooth: './dist/smooth.js' });
  assert.deepEqual(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@open-smooth/') || name === 'tsx'), []);
  for (const needed of ['fastify', 'better-sqlite3', 'playwright-core', 'ai']) assert.ok(manifest.dependencies[needed], `declares ${needed}`);
  const files = (await readdir(join(unpacked, 'package', 'dist'))).sort();
  assert.ok(files.includes('smooth.js'));
  const bundle = await readFile(join(unpacked, 'package', 'dist', 'smooth.js'), 'utf8');
  assert.doesNotMatch(bundle, /^import [^\n]* from "@open-smooth\/|import\("@open-smooth\//m, 'the workspace packages are inside the bundle');

  const binary = join(unpacked, 'package', 'dist', 'smooth.js');
  const help = await run(process.execPath, [binary, '--help']);
  assert.match(help.stdout, /start-session/);
  const config = await run(process.execPath, [binary, 'config', '--show', '--json'], { env: { ...process.env, SMOOTH_CONFIG_DIR: join(packDirectory, 'config'), SMOOTH_API_KEY: 'sk_packed_cli' } });
  assert.equal(JSON.parse(config.stdout).success, true);
});
