import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** The name the bundle's exports get inside the page function (a `var` local to each call). */
const bundleName = 'openSmoothSnapshot';

let snapshotSource: string | undefined;

/**
 * The source of the function IsolatedWorld.call runs in a frame to snapshot it: the modules under
 * `in-page/` bundled by esbuild into one self-contained function (a page receives source text,
 * so nothing may stay an import). Built on first use and kept for the life of the process.
 * The page returns the snapshot as one JSON string: CDP's value serialization walks big results
 * object by object, JSON.stringify is far faster (and in our isolated world it is the real one,
 * whatever the page did to its own).
 */
export function snapshotFrameSource(): string {
  snapshotSource ??= bundleSnapshotFrame();
  return snapshotSource;
}

function bundleSnapshotFrame(): string {
  const entry = fileURLToPath(new URL('./in-page/snapshot-frame.ts', import.meta.url));
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: bundleName,
    platform: 'browser',
    target: 'chrome120',
    write: false,
    // The source runs in the page as is: no names kept (keepNames would call a `__name` helper), no legal comments.
    legalComments: 'none',
    // Instead of the repository's tsconfig: its `strict` would open the bundle with a "use strict"
    // directive, which is a syntax error in a function with a rest parameter; the function runs as
    // page functions always did (Runtime.callFunctionOn compiles it as a script, not a module).
    tsconfigRaw: { compilerOptions: { alwaysStrict: false, useDefineForClassFields: true, verbatimModuleSyntax: true } },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${entry} gave no output`);
  return `(argument, ...objects) => { ${output.text}; return JSON.stringify(${bundleName}.snapshotFrame(argument, ...objects)); }`;
}
