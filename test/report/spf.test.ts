import assert from 'node:assert/strict';
import { dmarcPolicy, evaluateSpf } from '../../src/report/spf.js';

describe('report/spf', () => {
  const base = { domainAddresses: ['203.0.113.10'], mxAddresses: ['203.0.113.25'] };

  it('matches ip4 ranges and returns the qualifier of the matching mechanism', () => {
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ip4:203.0.113.0/24 -all', ip: '203.0.113.77' }).verdict, 'pass');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ip4:203.0.113.0/24 -all', ip: '198.51.100.1' }).verdict, 'fail');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ip4:203.0.113.0/24 ~all', ip: '198.51.100.1' }).verdict, 'softfail');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ?ip4:198.51.100.1 -all', ip: '198.51.100.1' }).verdict, 'neutral');
  });

  it('matches ip6, a and mx with the addresses the check resolved', () => {
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ip6:2001:db8::/32 -all', ip: '2001:db8::25' }).verdict, 'pass');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 a -all', ip: '203.0.113.10' }).verdict, 'pass');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 mx -all', ip: '203.0.113.25' }).verdict, 'pass');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 mx -all', ip: '203.0.113.10' }).verdict, 'fail');
  });

  it('says unknown, not fail, when an include or redirect could have matched', () => {
    const r = evaluateSpf({ ...base, record: 'v=spf1 include:_spf.example.net -all', ip: '198.51.100.1' });
    assert.equal(r.verdict, 'unknown');
    assert.deepEqual(r.unevaluated, ['include:_spf.example.net']);
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 redirect=_spf.example.net', ip: '198.51.100.1' }).verdict, 'unknown');
  });

  it('no record is none; garbage terms are ignored', () => {
    assert.equal(evaluateSpf({ ...base, record: undefined, ip: '198.51.100.1' }).verdict, 'none');
    assert.equal(evaluateSpf({ ...base, record: 'v=spf1 ip4:not-an-ip !!! -all', ip: '198.51.100.1' }).verdict, 'fail');
  });

  it('reads the DMARC policy', () => {
    assert.equal(dmarcPolicy('v=DMARC1; p=reject; rua=mailto:x@example.net'), 'reject');
    assert.equal(dmarcPolicy('v=DMARC1;p=quarantine'), 'quarantine');
    assert.equal(dmarcPolicy('v=DMARC1; sp=reject'), undefined);
    assert.equal(dmarcPolicy(undefined), undefined);
  });
});
