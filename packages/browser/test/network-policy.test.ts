import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addressKind, InvalidNetworkAllowanceError, NetworkPolicy, PrivateNetworkAllowance, schemeVerdict, TaskNetworkPolicy } from '../src/index.js';

// Literal addresses only: these tests judge addresses, they never connect to one.

test('addressKind sorts literal addresses into link-local, private and public', () => {
  const cases: Array<[string, string]> = [
    ['169.254.169.254', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['fe80::1', 'link_local'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['100.100.100.200', 'link_local'],
    ['fd00:ec2::254', 'link_local'],
    ['127.0.0.1', 'private'],
    ['127.255.0.9', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['224.0.0.1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ];
  for (const [address, kind] of cases) assert.equal(addressKind(address), kind, address);
});

test('private addresses are refused unless allowed; link-local is refused even when the allowance lists it', async () => {
  const none = new NetworkPolicy();
  assert.equal((await none.checkUrlHost('http://10.1.2.3/'))?.reason, 'private_network');
  assert.equal((await none.checkUrlHost('http://127.0.0.1:8080/'))?.reason, 'private_network');
  assert.equal((await none.checkUrlHost('http://[::1]/'))?.reason, 'private_network');
  assert.equal((await none.checkUrlHost('http://localhost:3000/'))?.reason, 'private_network');
  assert.equal((await none.checkUrlHost('http://0x7f.1/'))?.reason, 'private_network', 'the URL parser normalises odd IPv4 forms first');
  assert.equal(await none.checkUrlHost('https://8.8.8.8/'), undefined);
  assert.match((await none.checkUrlHost('http://10.1.2.3/'))?.detail ?? '', /SMOOTH_ALLOW_PRIVATE_NETWORK/);

  const broad = new NetworkPolicy({ allowPrivateNetwork: ['0.0.0.0/0', '::/0', '169.254.0.0/16', 'fe80::/10', '169.254.169.254'] });
  assert.equal(await broad.checkUrlHost('http://10.1.2.3/'), undefined);
  assert.equal(await broad.checkUrlHost('http://[fd12::1]/'), undefined);
  assert.equal((await broad.checkUrlHost('http://169.254.169.254/latest/meta-data/'))?.reason, 'link_local');
  assert.equal((await broad.checkUrlHost('http://[fe80::1]/'))?.reason, 'link_local');
  assert.equal((await broad.checkUrlHost('http://[::ffff:169.254.169.254]/'))?.reason, 'link_local');

  const narrow = new NetworkPolicy({ allowPrivateNetwork: ['127.0.0.0/8', '10.1.2.3'] });
  assert.equal(await narrow.checkUrlHost('http://127.0.0.2/'), undefined);
  assert.equal(await narrow.checkUrlHost('http://10.1.2.3/'), undefined);
  assert.equal((await narrow.checkUrlHost('http://10.1.2.4/'))?.reason, 'private_network');
});

test('host names are judged by every address they resolve to; a name in the allowance passes', async () => {
  const answers: Record<string, string[]> = {
    'wiki.internal': ['10.1.2.3'],
    'mixed.example': ['93.184.216.34', '127.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
  };
  const lookups: string[] = [];
  const resolve = async (name: string) => {
    lookups.push(name);
    const addresses = answers[name];
    if (!addresses) throw new Error('ENOTFOUND');
    return addresses;
  };
  const policy = new NetworkPolicy({ resolve });
  assert.equal((await policy.checkUrlHost('https://wiki.internal/page'))?.reason, 'private_network');
  assert.equal((await policy.checkUrlHost('https://mixed.example/'))?.reason, 'private_network');
  assert.equal((await policy.checkUrlHost('https://metadata.example/'))?.reason, 'link_local');
  assert.equal(await policy.checkUrlHost('https://public.example/'), undefined);
  assert.equal(policy.checkUrlHost('https://public.example/again'), undefined, 'a name resolved a moment ago is judged at once, from the cache');
  assert.equal(lookups.filter((name) => name === 'public.example').length, 1);

  const allowingName = new NetworkPolicy({ resolve, allowPrivateNetwork: ['wiki.internal'] });
  assert.equal(await allowingName.checkUrlHost('https://wiki.internal/'), undefined);
  const allowingSuffix = new NetworkPolicy({ resolve, allowPrivateNetwork: ['*.example'] });
  assert.equal(await allowingSuffix.checkUrlHost('https://mixed.example/'), undefined);
  assert.equal((await allowingSuffix.checkUrlHost('https://metadata.example/'))?.reason, 'link_local', 'a name never opens link-local');
});

test('only http(s) reaches the network: file:, chrome: and the like are refused whatever allowed_urls says', async () => {
  for (const url of ['file:///etc/passwd', 'chrome://history', 'chrome://settings', 'chrome-untrusted://x', 'view-source:http://127.0.0.1/', 'devtools://devtools/x', 'chrome-extension://abc/x', 'ftp://x/', 'filesystem:http://x/']) {
    assert.equal(schemeVerdict(url, 'goto')?.reason, 'scheme', url);
    assert.equal(schemeVerdict(url, 'page')?.reason, 'scheme', url);
  }
  assert.equal(schemeVerdict('javascript:alert(1)', 'goto')?.reason, 'scheme');
  assert.equal(schemeVerdict('data:text/html,<p>x</p>', 'goto')?.reason, 'scheme');
  assert.equal(schemeVerdict('data:image/png;base64,AA', 'page'), undefined);
  assert.equal(schemeVerdict('blob:https://a.example/1', 'page'), undefined);
  assert.equal(schemeVerdict('about:blank', 'goto'), undefined);
  assert.equal(schemeVerdict('about:settings', 'goto')?.reason, 'scheme');
  assert.equal(schemeVerdict('https://example.com/', 'goto'), undefined);

  const task = new TaskNetworkPolicy(new NetworkPolicy(), ['file:///*', '*']);
  assert.equal((await task.checkNavigation('file:///etc/passwd'))?.reason, 'scheme');
  assert.match((await task.checkNavigation('file:///etc/passwd'))?.detail ?? '', /only reach http: and https:/);
  const restricted = new TaskNetworkPolicy(new NetworkPolicy(), ['https://example.com/*']);
  assert.equal((await restricted.checkNavigation('https://other.example/'))?.reason, 'allowed_urls');
  assert.equal((await restricted.checkNavigation('http://127.0.0.1/'))?.reason, 'allowed_urls', 'allowed_urls is checked before the network');
});

test('the allowance refuses entries that are neither hosts, addresses nor ranges', () => {
  assert.deepEqual(PrivateNetworkAllowance.parse(' 127.0.0.0/8, ,10.1.2.3,wiki.internal ').entries, ['127.0.0.0/8', '10.1.2.3', 'wiki.internal']);
  assert.equal(PrivateNetworkAllowance.parse('').isEmpty, true);
  assert.equal(PrivateNetworkAllowance.parse(undefined).isEmpty, true);
  for (const bad of ['10.0.0.0/33', '10.0.0.0/x', 'fd00::/129', 'not a host', 'http://x/', 'wiki.internal/8']) {
    assert.throws(() => PrivateNetworkAllowance.parse(bad), InvalidNetworkAllowanceError, bad);
  }
});
