import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isUrlAllowedByPatterns, matchesUrlPattern } from '../src/index.js';

const cases: Array<[pattern: string, url: string, expected: boolean]> = [
  // smooth.sh docs examples
  ['google.com/*', 'https://google.com/search?q=x', true],
  ['google.com/*', 'http://google.com/', true],
  ['google.com/*', 'https://www.google.com/', false],
  ['google.com/*', 'https://google.com.evil.io/', false],
  ['*mydomain.*/*', 'https://shop.mydomain.com/cart', true],
  ['*mydomain.*/*', 'https://mydomain.co.uk/', true],
  ['*mydomain.*/*', 'https://otherdomain.com/', false],
  // OpenAPI example
  ['https://**.example.com/**', 'https://a.b.example.com/x/y', true],
  ['https://**.example.com/**', 'https://example.com/', true],
  ['https://**.example.com/**', 'http://a.example.com/', false],
  ['https://**.example.com/**', 'https://example.com.evil.io/', false],
  ['https://**.example.com/**', 'https://notexample.com/', false],
  // no scheme = any scheme; no path = whole host; bare "/" = whole host
  ['example.com', 'https://example.com/deep/path?x=1', true],
  ['example.com', 'http://example.com', true],
  ['example.com/', 'https://example.com/anything', true],
  ['example.com', 'https://sub.example.com/', false],
  // ports: none in the pattern = any port; explicit port must match (default ports count)
  ['127.0.0.1', 'http://127.0.0.1:8123/', true],
  ['127.0.0.1:8123', 'http://127.0.0.1:8123/a', true],
  ['127.0.0.1:8123', 'http://127.0.0.1:9000/a', false],
  ['example.com:443', 'https://example.com/', true],
  ['example.com:*', 'https://example.com:8443/', true],
  ['localhost:3000/*', 'http://localhost:3000/page', true],
  ['localhost:3000/*', 'http://127.0.0.1:3000/page', false],
  // paths: glob on path, query optional, case-sensitive
  ['example.com/docs/*', 'https://example.com/docs/intro', true],
  ['example.com/docs/*', 'https://example.com/blog/intro', false],
  ['example.com/docs', 'https://example.com/docs?page=2', true],
  ['example.com/docs', 'https://example.com/docs/more', false],
  ['example.com/search*', 'https://example.com/search?q=shoes', true],
  ['example.com/Docs/*', 'https://example.com/docs/intro', false],
  ['example.com/page#section', 'https://example.com/page#other', true],
  // host is case-insensitive; scheme wildcard
  ['EXAMPLE.com', 'https://example.COM/', true],
  ['http*://example.com/*', 'https://example.com/', true],
  ['http*://example.com/*', 'ftp://example.com/', false],
  // regex metacharacters in patterns are literal
  ['example.com/a+b', 'https://example.com/a+b', true],
  ['example.com/a+b', 'https://example.com/aab', false],
  ['ex.mple.com', 'https://exomple.com/', false],
  // catch-alls
  ['*', 'https://anything.test/x', true],
  ['**', 'http://127.0.0.1:1/', true],
  // unparsable URLs never match
  ['*', 'not a url', false],
];

test('matchesUrlPattern follows the allowed_urls wildcard rules', () => {
  for (const [pattern, url, expected] of cases) {
    assert.equal(matchesUrlPattern(url, pattern), expected, `${pattern} vs ${url}`);
  }
});

test('isUrlAllowedByPatterns: no patterns allow everything, about/data/blob always pass', () => {
  assert.equal(isUrlAllowedByPatterns('https://anywhere.test/', undefined), true);
  assert.equal(isUrlAllowedByPatterns('https://anywhere.test/', []), true);
  const patterns = ['example.com/*'];
  assert.equal(isUrlAllowedByPatterns('https://example.com/a', patterns), true);
  assert.equal(isUrlAllowedByPatterns('https://other.test/a', patterns), false);
  assert.equal(isUrlAllowedByPatterns('about:blank', patterns), true);
  assert.equal(isUrlAllowedByPatterns('data:text/html,<p>x</p>', patterns), true);
  assert.equal(isUrlAllowedByPatterns('blob:https://other.test/0f0e', patterns), true);
  assert.equal(isUrlAllowedByPatterns('file:///etc/passwd', patterns), false);
  assert.equal(isUrlAllowedByPatterns('javascript:alert(1)', patterns), false);
});
