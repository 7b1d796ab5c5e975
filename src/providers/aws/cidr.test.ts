// CIDRs in one written form, so that a rule sent one way and read back another is still the same rule.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalCidr } from './cidr.ts';

describe('canonical CIDRs', () => {
  const cases: [string, string | undefined][] = [
    ['10.0.0.0/16', 'ipv4 10.0.0.0/16'],
    ['10.0.0.5/16', 'ipv4 10.0.0.0/16'],
    ['192.168.1.77/32', 'ipv4 192.168.1.77/32'],
    ['0.0.0.0/0', 'ipv4 0.0.0.0/0'],
    ['172.31.255.255/12', 'ipv4 172.16.0.0/12'],
    ['2001:DB8:0:0::/32', 'ipv6 2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', 'ipv6 2001:db8::1/128'],
    ['::/0', 'ipv6 ::/0'],
    ['2001:db8:1:2:3:4:5:6/48', 'ipv6 2001:db8:1::/48'],
    ['2001:0:0:1:0:0:0:1/128', 'ipv6 2001:0:0:1::1/128'],
    ['2001:db8:0:1:1:1:1:1/128', 'ipv6 2001:db8:0:1:1:1:1:1/128'],
    ['::ffff:10.1.2.3/128', 'ipv6 ::ffff:a01:203/128'],
    ['fe80::1/10', 'ipv6 fe80::/10'],
    ['10.0.0.0', undefined],
    ['10.0.0.0/33', undefined],
    ['256.0.0.0/8', undefined],
    ['2001:db8::/129', undefined],
    ['1::2::3/64', undefined],
    ['1:2:3:4:5:6:7:8:9/64', undefined],
    ['not-a-cidr/8', undefined],
    ['10.0.0.0/16/1', undefined],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want ?? 'not a CIDR'}`, () => {
      const got = canonicalCidr(input);
      assert.equal(got ? `${got.family} ${got.text}` : undefined, want);
    });
  }

  it('gives the same form for its own output, and keeps the prefix length', () => {
    const v6 = fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }))
      .map(([groups, prefix]) => `${groups.map((g) => g.toString(16)).join(':')}/${prefix}`);
    const v4 = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }))
      .map(([parts, prefix]) => `${parts.join('.')}/${prefix}`);
    fc.assert(fc.property(fc.oneof(v4, v6), (cidr) => {
      const once = canonicalCidr(cidr)!;
      assert.deepEqual(canonicalCidr(once.text), once);
      assert.equal(once.text.split('/')[1], cidr.split('/')[1]);
    }));
  });
});
