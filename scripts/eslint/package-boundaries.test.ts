import { describe, it } from 'node:test';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { packageBoundaries } from './package-boundaries.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const root = '/repo/packages';

tester.run('package-boundaries', packageBoundaries as never, {
  valid: [
    { filename: `${root}/agent/src/run.ts`, code: "import { BrowserPool } from '@open-smooth/browser';" },
    { filename: `${root}/agent/src/actions/click.ts`, code: "import { observe } from '../observation/observe.js';" },
    { filename: `${root}/cli/test/a.test.ts`, code: "import { startEndToEnd } from '../../sdk/test/end-to-end-harness.js';" },
    { filename: `${root}/server/test/a.test.ts`, code: "import { startFixtureServer } from '@open-smooth/testkit';" },
  ],
  invalid: [
    { filename: `${root}/browser/src/pool.ts`, code: "import { runAgentTask } from '@open-smooth/agent';", errors: 1 },
    { filename: `${root}/browser/src/pool.ts`, code: "import { generateText } from 'ai';", errors: 1 },
    { filename: `${root}/sdk/src/client.ts`, code: "export { startServer } from '@open-smooth/server';", errors: 1 },
    { filename: `${root}/agent/src/x.ts`, code: "const m = await import('@open-smooth/server');", errors: 1 },
    { filename: `${root}/server/src/x.ts`, code: "import { pool } from '../../browser/src/browser-pool.js';", errors: 1 },
    { filename: `${root}/sdk/test/x.test.ts`, code: "import { startFixtureServer } from '../../testkit/src/fixture-server.js';", errors: 1 },
  ],
});
