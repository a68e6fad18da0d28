import { build, stop } from 'esbuild';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name the bundle's exports get inside the page function (a `var` local to each call). */
const bundleName = 'openSmoothSnapshot';

let snapshotSource: Promise<string> | undefined;

/**
 * The source of the function IsolatedWorld.call runs in a frame to snapshot it: the modules under
 * `in-page/` bundled by esbuild into one self-contained function (a page receives source text,
 * so nothing may stay an import). Built on first use (15-100 ms, once per process, off the event
 * loop) and kept; a failed build is tried again by the next caller.
 * The page returns the snapshot as one JSON string: CDP's value serialization walks big results
 * object by object, JSON.stringify is far faster (and in our isolated world it is the real one,
 * whatever the page did to its own).
 */
export function snapshotFrameSource(): Promise<string> {
  snapshotSource ??= bundleSnapshotFrame().catch((error: unknown) => {
    snapshotSource = undefined;
    throw error;
  });
  return snapshotSource;
}

async function bundleSnapshotFrame(): Promise<string> {
  const entry = fileURLToPath(new URL('./in-page/snapshot-frame.ts', import.meta.url));
  const inPageDirectory = dirname(entry);
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      // Paths in the bundle's comments and metafile are relative to in-page/, whatever the process's directory.
      absWorkingDir: inPageDirectory,
      bundle: true,
      format: 'iife',
      globalName: bundleName,
      platform: 'browser',
      target: 'chrome120',
      write: false,
      metafile: true,
      // The source goes with every call into every frame: without whitespace it is as small as the
      // one closure it replaces (about 33,000 characters instead of 43,000); names stay readable in stacks.
      minifyWhitespace: true,
      // The source runs in the page as is: no names kept (keepNames would call a `__name` helper), no legal comments.
      legalComments: 'none',
      logLevel: 'silent',
      // Instead of the repository's tsconfig: its `strict` would open the bundle with a "use strict"
      // directive, which is a syntax error in a function with a rest parameter; the function runs as
      // page functions always did (Runtime.callFunctionOn compiles it as a script, not a module).
      tsconfigRaw: { compilerOptions: { alwaysStrict: false, useDefineForClassFields: true, verbatimModuleSyntax: true } },
    });
  } finally {
    // The build leaves an esbuild process running for later builds; there are none.
    await stop();
  }
  // Page code may use only its own modules (and types): anything else would be inlined into every frame.
  const outside = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('..') || input.startsWith('/'));
  if (outside.length > 0) throw new Error(`in-page code imports modules from outside ${inPageDirectory}: ${outside.join(', ')}`);
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${entry} gave no output`);
  return `(argument, ...objects) => { ${output.text}; return JSON.stringify(${bundleName}.snapshotFrame(argument, ...objects)); }`;
}
