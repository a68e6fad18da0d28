import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { AdblockEngine } from '../src/adblock/adblock-engine.js';
import { hostRulesOfList } from '../src/adblock/adblock-host-rules.js';

/** The bundled lists (parsed once per machine, then read from the cache). */
let engine: AdblockEngine;
before(async () => {
  engine = await AdblockEngine.load();
});

const newsPage = 'https://www.example-news.com/article';

describe('adblock by host (the connection-level path)', () => {
  it('blocks a host a list blocks outright, naming the rule and the list', () => {
    assert.deepEqual(engine.hostRules.verdict('securepubads.g.doubleclick.net', [newsPage]), {
      kind: 'block',
      match: { filter: '||g.doubleclick.net^', list: 'AdGuard Base filter' },
    });
  });

  it('lets a host through that no list names', () => {
    assert.equal(engine.hostRules.verdict('static.example-cdn.com', [newsPage]), undefined);
    assert.equal(engine.hostRules.verdict('www.example-news.com', [newsPage]), undefined);
  });

  it('judges a third-party rule against the task page: blocked from another site, open from its own', () => {
    assert.equal(engine.hostRules.verdict('sb.scorecardresearch.com', [newsPage])?.kind, 'block');
    assert.equal(engine.hostRules.verdict('sb.scorecardresearch.com', ['https://www.scorecardresearch.com/about']), undefined);
  });

  it("leaves a host to the full URL where an exception may apply: everywhere, or on the exception's own domains only", () => {
    // `@@||amazon-adsystem.com/widgets/q?$image,third-party` may apply on any page.
    assert.deepEqual(engine.hostRules.verdict('c.amazon-adsystem.com', [newsPage]), { kind: 'inspect' });
    // pagead2's exceptions are for named sites: blocked elsewhere, left to the URL on those.
    assert.equal(engine.hostRules.verdict('pagead2.googlesyndication.com', [newsPage])?.kind, 'block');
    assert.deepEqual(engine.hostRules.verdict('pagead2.googlesyndication.com', ['https://grammarist.com/usage/']), { kind: 'inspect' });
  });

  it('reads the options of a list: $badfilter switches a rule off, path and type rules are left out, exceptions for documents only do not count', () => {
    const rules = hostRulesOfList({
      title: 'Test list',
      text: ['||ads.one.test^', '||ads.two.test^', '||ads.two.test^$badfilter', '||ads.three.test/banner/', '||ads.four.test^$script', '||ads.five.test^', '@@||ads.five.test^$document'].join('\n'),
    });
    assert.deepEqual(Object.keys(rules.hosts).sort(), ['ads.five.test', 'ads.four.test', 'ads.one.test', 'ads.three.test']);
    assert.equal(rules.hosts['ads.one.test'], 1);
    assert.equal(rules.hosts['ads.three.test'], 8, 'a path rule is marked, not applied');
    assert.equal(rules.hosts['ads.four.test'], 8, 'a type rule is marked, not applied');
    assert.equal(rules.hosts['ads.five.test'], 1, 'a $document exception lets pages load, not subresources');
  });
});
