import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseXml, XmlError } from '../../src/lookup/index.js';
import { fixture } from '../helpers/discovery/world.js';

const refused = (reason: XmlError['reason']) => (err: unknown) => err instanceof XmlError && err.reason === reason;

describe('discovery: bounded XML parser', () => {
  it('parses elements, attributes, text, CDATA, comments and the predefined entities', () => {
    const root = parseXml(
      `<?xml version="1.0"?>\n<!-- c --><a x='1' y="&lt;&amp;&#65;&#x42;"><b>t&gt;<![CDATA[<raw>&amp;]]></b><c/></a>\n`,
    );
    assert.equal(root.name, 'a');
    assert.equal(root.attributes['y'], '<&AB');
    assert.equal(root.children[0]!.text, 't><raw>&amp;');
    assert.equal(root.children[1]!.name, 'c');
  });

  it('refuses the billion laughs document before any expansion', () => {
    const text = readFileSync(fixture('autoconfig', 'billion-laughs.xml'), 'utf8');
    const t = performance.now();
    assert.throws(() => parseXml(text), refused('dtd-refused'));
    assert.ok(performance.now() - t < 50);
  });

  it('refuses DOCTYPE, ENTITY and external entities', () => {
    assert.throws(() => parseXml('<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'), refused('dtd-refused'));
    assert.throws(() => parseXml('<a><!ENTITY x "y"></a>'), refused('dtd-refused'));
  });

  it('refuses unknown entities, bare ampersands and illegal character references', () => {
    assert.throws(() => parseXml('<a>&xxe;</a>'), refused('entity'));
    assert.throws(() => parseXml('<a>fish & chips</a>'), refused('entity'));
    assert.throws(() => parseXml('<a>&#0;</a>'), refused('entity'));
    assert.throws(() => parseXml('<a>&#xD800;</a>'), refused('entity'));
  });

  it('refuses malformed documents', () => {
    for (const bad of ['', 'text', '<a>', '<a></b>', '<a><b></a></b>', '<a/><b/>', '<a x=1/>', '<a x="1" x="2"/>', '<a>x</a>trailing', '<a x="<"/>', '<1a/>']) {
      assert.throws(() => parseXml(bad), (e: unknown) => e instanceof XmlError, bad);
    }
  });

  it('caps size, depth, element count and attributes', () => {
    assert.throws(() => parseXml(`<a>${' '.repeat(100)}</a>`, { maxChars: 50 }), refused('too-large'));
    assert.throws(() => parseXml(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`), refused('too-deep'));
    assert.throws(() => parseXml(`<a>${'<b/>'.repeat(3000)}</a>`), refused('too-many-elements'));
    assert.throws(() => parseXml(`<a ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ')}/>`), refused('too-many-elements'));
  });

  it('gives attributes a null prototype (no __proto__ pollution)', () => {
    const root = parseXml('<a __proto__="x" constructor="y"/>');
    assert.equal(Object.getPrototypeOf(root.attributes), null);
    assert.equal(root.attributes['__proto__'], 'x');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  it('either parses or throws XmlError on arbitrary input, quickly', () => {
    const xmlish = fc.array(fc.constantFrom('<', '>', '/', 'a', 'b', '=', '"', "'", '&', ';', '!', '?', '[', ']', '-', ' ', 'amp', 'CDATA', 'DOCTYPE', '#x41'), { maxLength: 60 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), xmlish), (s) => {
        try {
          parseXml(s);
        } catch (err) {
          return err instanceof XmlError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
