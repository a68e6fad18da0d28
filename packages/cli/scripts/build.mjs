// Builds the CLI for its tarball: one ES module, dist/smooth.js, with the workspace packages
// (protocol, browser, agent, server, sdk) inside it and their third-party dependencies left as
// the tarball's dependencies (dist/publish-fields.json, merged by scripts/publish-manifest.mjs).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const workspacePackages = ['protocol', 'browser', 'agent', 'server', 'sdk', 'cli'];
const dependencies = {};
for (const name of workspacePackages) {
  const manifest = JSON.parse(readFileSync(new URL(`../../${name}/package.json`, import.meta.url), 'utf8'));
  for (const [dependency, version] of Object.entries(manifest.dependencies ?? {})) {
    if (dependency.startsWith('@open-smooth/') || dependency === 'tsx') continue;
    if (dependencies[dependency] && dependencies[dependency] !== version) {
      throw new Error(`${dependency}: ${dependencies[dependency]} and ${version} in two workspace packages; pin one version`);
    }
    dependencies[dependency] = version;
  }
}

await build({
  entryPoints: ['src/smooth-binary.ts'],
  outfile: 'dist/smooth.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Third-party packages (and their subpaths) stay imports; native modules and Playwright cannot be bundled.
  external: Object.keys(dependencies).flatMap((name) => [name, `${name}/*`]),
  conditions: ['node'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
mkdirSync('dist', { recursive: true });
const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync('dist/publish-fields.json', `${JSON.stringify({ bin: { smooth: './dist/smooth.js' }, dependencies: sorted }, null, 2)}\n`);
