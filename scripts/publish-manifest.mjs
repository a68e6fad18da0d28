// Turns a workspace package's manifest into the one its tarball needs, and back: `npm pack` runs
// `write` (prepack) after the build and `restore` (postpack). In the workspace, packages export
// their TypeScript sources (run through tsx); a tarball exports the built JavaScript and types.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifestPath = 'package.json';
const backupPath = 'package.json.workspace';
const command = process.argv[2];

/** `./src/x.ts` → `./dist/x.js` (or `.d.ts` for types). */
function built(path, extension = '.js') {
  return path.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, extension);
}

function builtTargets(map) {
  const result = {};
  for (const [key, target] of Object.entries(map)) {
    if (typeof target === 'string') {
      result[key] = { types: built(target, '.d.ts'), default: built(target) };
    } else {
      result[key] = Object.fromEntries(Object.entries(target).map(([condition, path]) => [condition, built(path, condition === 'types' ? '.d.ts' : '.js')]));
    }
  }
  return result;
}

if (command === 'write') {
  if (!existsSync(backupPath)) copyFileSync(manifestPath, backupPath);
  const manifest = JSON.parse(readFileSync(backupPath, 'utf8'));
  const publish = { ...manifest };
  delete publish.private;
  delete publish.devDependencies;
  if (publish.exports) publish.exports = builtTargets(publish.exports);
  if (publish.imports) publish.imports = builtTargets(publish.imports);
  const main = publish.exports?.['.'];
  if (main) publish.types = main.types;
  // Fields only the build knows (the CLI's bundle: its bin and third-party dependencies).
  if (existsSync('dist/publish-fields.json')) Object.assign(publish, JSON.parse(readFileSync('dist/publish-fields.json', 'utf8')));
  if (publish.exports && publish.bin && !existsSync(built(String(Object.values(publish.exports)[0]?.default ?? '')))) delete publish.exports;
  writeFileSync(manifestPath, `${JSON.stringify(publish, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
} else {
  process.stderr.write('usage: node publish-manifest.mjs write|restore\n');
  process.exit(2);
}
