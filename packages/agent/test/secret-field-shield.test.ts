import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentHarness } from './support/agent-harness.js';
import { call, oneBatchThenDone } from './support/policies.js';

/**
 * `type` draws a secret's field as discs while the field holds the secret (the pixels themselves
 * are checked in server/test/secret-pixels.test.ts); typing other text into it shows that text.
 */
let harness: AgentHarness;
before(async () => {
  harness = await AgentHarness.start();
});
after(async () => {
  await harness.close();
});

const secrets = [{ name: 'login', value: 'ada-secret-login' }];

async function usernameField(texts: string[]): Promise<{ value: string; security: string }> {
  const policy = oneBatchThenDone((page) => texts.map((text) => call('type', { index: page.index({ role: 'textbox', name: 'Username' }), text })));
  const { result, taskContext } = await harness.run('Fill in the username', policy, { startUrl: harness.fixtures.url('/login'), secrets, keepOpen: true });
  try {
    assert.equal(result.status, 'done', result.error);
    return await taskContext.page.evaluate(() => {
      const field = document.getElementById('username') as HTMLInputElement;
      return { value: field.value, security: getComputedStyle(field).getPropertyValue('-webkit-text-security') };
    });
  } finally {
    await taskContext.close();
  }
}

test('a text field holding a typed secret draws discs', async () => {
  assert.deepEqual(await usernameField(['<secret:login>']), { value: 'ada-secret-login', security: 'disc' });
});

test('the field shows its text again once other text replaces the secret', async () => {
  assert.deepEqual(await usernameField(['<secret:login>', 'ada.lovelace']), { value: 'ada.lovelace', security: 'none' });
});
