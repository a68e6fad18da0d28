import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretNotAllowedError, SecretVault, isUrlAllowedByPatterns } from '../src/index.js';

function vaultFor(taskAllowedUrls: string[] = []): SecretVault {
  const vault = new SecretVault((url) => isUrlAllowedByPatterns(url, taskAllowedUrls));
  vault.add([
    { name: 'password', value: 'hunter2!', allowedUrls: ['https://login.example.com/*'] },
    { name: 'api_key', value: 'sk-123 456' },
    { name: 'pin', value: '42' },
  ]);
  return vault;
}

test('revealSecrets replaces placeholders on allowed pages', () => {
  const vault = vaultFor();
  assert.equal(
    vault.reveal('user: me, pass: <secret:password>', 'https://login.example.com/signin'),
    'user: me, pass: hunter2!',
  );
  assert.equal(vault.reveal('<secret:api_key>', 'https://anywhere.test/'), 'sk-123 456');
  assert.equal(vault.reveal('no placeholders here', 'https://anywhere.test/'), 'no placeholders here');
});

test('revealSecrets refuses unknown names and pages outside the secret allowed_urls', () => {
  const vault = vaultFor();
  assert.throws(() => vault.reveal('<secret:nope>', 'https://login.example.com/'), (error: unknown) => {
    assert.ok(error instanceof SecretNotAllowedError);
    assert.match(error.message, /nope/);
    return true;
  });
  assert.throws(() => vault.reveal('<secret:password>', 'https://evil.test/login'), (error: unknown) => {
    assert.ok(error instanceof SecretNotAllowedError);
    assert.match(error.message, /password/);
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});

test('a secret without allowed_urls still only goes where the task may go', () => {
  const vault = vaultFor(['shop.test/*']);
  assert.equal(vault.reveal('<secret:api_key>', 'https://shop.test/checkout'), 'sk-123 456');
  assert.throws(() => vault.reveal('<secret:api_key>', 'https://elsewhere.test/'), SecretNotAllowedError);
});

test('maskSecrets replaces real values (plain and URL-encoded) with placeholders', () => {
  const vault = vaultFor();
  assert.equal(vault.mask('typed hunter2! then 42'), 'typed <secret:password> then <secret:pin>');
  assert.equal(vault.mask('GET /?key=sk-123%20456'), 'GET /?key=<secret:api_key>');
  assert.equal(vault.mask('nothing secret'), 'nothing secret');
});
