// CIDRs in one written form: the network address (host bits cleared), IPv6 in RFC 5952's lower-case,
// compressed form. AWS keeps a rule's CIDR as it was sent, so both sides of a rule comparison are
// put in this form first; otherwise 10.0.0.5/16 against 10.0.0.0/16, or 2001:DB8::/32 against
// 2001:db8::/32, would be revoked and authorized again on every pass.

export type Family = 'ipv4' | 'ipv6';

export interface Cidr { family: Family; text: string }

/** The canonical form of cidr and its family, or undefined when it is not a CIDR. */
export function canonicalCidr(cidr: string): Cidr | undefined {
  const [address, bits, ...rest] = cidr.trim().split('/');
  if (rest.length || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const v4 = parseIpv4(address);
  if (v4) return prefix <= 32 ? { family: 'ipv4', text: `${formatIpv4(mask(v4, 8, prefix))}/${prefix}` } : undefined;
  const v6 = parseIpv6(address);
  if (v6) return prefix <= 128 ? { family: 'ipv6', text: `${formatIpv6(mask(v6, 16, prefix))}/${prefix}` } : undefined;
  return undefined;
}

/** Clears every bit after the first prefix bits of parts, each width bits wide. */
function mask(parts: number[], width: number, prefix: number): number[] {
  return parts.map((part, i) => {
    const keep = Math.max(0, Math.min(width, prefix - i * width));
    return keep === 0 ? 0 : part & (((1 << width) - 1) ^ ((1 << (width - keep)) - 1));
  });
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

const formatIpv4 = (parts: number[]): string => parts.join('.');

/** The eight 16-bit groups of an IPv6 address (with :: and a trailing dotted IPv4 part), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  let groups = text.split(':');
  const last = groups[groups.length - 1] ?? '';
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (!v4) return undefined;
    groups = [...groups.slice(0, -1), ((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16)];
  }
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  if (gap >= 0) {
    const joined = groups.join(':');
    const [head, tail] = joined.split('::') as [string, string];
    const before = head ? head.split(':') : [];
    const after = tail ? tail.split(':') : [];
    if (before.length + after.length > 7) return undefined;
    groups = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  }
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as ::. */
function formatIpv6(groups: number[]): string {
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}
