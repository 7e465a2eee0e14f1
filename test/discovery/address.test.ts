import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAddress, registrableDomain } from '../../src/discovery/index.js';
import { isEnvelopeAddress } from '../../src/discovery/address.js';
import { UsageError } from '../../src/lib/errors.js';

describe('discovery: parseAddress', () => {
  it('normalises the domain to lower-case A-labels and finds the registrable domain', () => {
    const a = parseAddress('  Jane.Doe@Mail.Example.TEST. ');
    assert.equal(a.address, 'Jane.Doe@mail.example.test');
    assert.equal(a.localPart, 'Jane.Doe');
    assert.equal(a.domain, 'mail.example.test');
    assert.equal(a.registrableDomain, 'example.test');
  });

  it('converts an internationalised domain to A-labels and keeps the U-label form', () => {
    const a = parseAddress('jörg@Bücher.test');
    assert.equal(a.domain, 'xn--bcher-kva.test');
    assert.equal(a.unicodeDomain, 'bücher.test');
    assert.equal(a.address, 'jörg@xn--bcher-kva.test');
  });

  it('uses the public suffix list for the registrable domain', () => {
    assert.equal(parseAddress('a@mail.example.co.uk').registrableDomain, 'example.co.uk');
    assert.equal(registrableDomain('mx1.provider.test'), 'provider.test');
  });

  it('accepts quoted local parts and plus addressing', () => {
    assert.equal(parseAddress('"john smith"@example.test').localPart, '"john smith"');
    assert.equal(parseAddress('a+tag@example.test').localPart, 'a+tag');
  });

  for (const [input, why] of [
    ['', /no address/],
    ['example.test', /not an e-mail address/],
    ['@example.test', /nothing before/],
    ['user@', /nothing after/],
    ['us er@example.test', /not a valid local part/],
    ['.user@example.test', /not a valid local part/],
    ['us..er@example.test', /not a valid local part/],
    ['user@localhost', /not a fully qualified/],
    ['user@exa_mple.test', /not a valid/],
    ['user@-example.test', /not a valid/],
    ['user@[192.0.2.1]', /address literals/],
    ['user@192.0.2.1', /IP address/],
    [`${'a'.repeat(65)}@example.test`, /64 octets/],
    [`user@${'a'.repeat(64)}.test`, /not a valid/],
  ] as const) {
    it(`refuses ${JSON.stringify(input).slice(0, 40)} with a UsageError`, () => {
      assert.throws(() => parseAddress(input), (err: unknown) => err instanceof UsageError && why.test(err.message));
    });
  }

  it('never throws anything but UsageError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseAddress(s);
        } catch (err) {
          return err instanceof UsageError;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips generated valid addresses', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]+(\.[a-z0-9]+){0,2}$/), fc.array(label, { minLength: 1, maxLength: 3 }), (local, labels) => {
        const domain = `${labels.join('.')}.test`;
        const a = parseAddress(`${local}@${domain}`);
        assert.equal(a.address, `${local}@${domain}`);
      }),
      { numRuns: 200 },
    );
  });
});

describe('discovery: isEnvelopeAddress (relay tests, --send-test, the exporter and the agent)', () => {
  it('takes local@domain with a dot in the domain, and nothing with white space, angle brackets or a second @', () => {
    for (const ok of ['x@example.net', 'maildoctor-relay-test@example.net', 'a+b@mail.example.test']) assert.ok(isEnvelopeAddress(ok), ok);
    for (const bad of ['a@b', 'nope', '@example.net', 'x@', 'a b@example.net', '<x@example.net>', 'a@b@example.net', 'x@example.net ']) assert.ok(!isEnvelopeAddress(bad), bad);
  });
});
