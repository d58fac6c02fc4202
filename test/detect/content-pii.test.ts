import { describe, expect, it } from 'vitest';
import { applyPiiActions, findPii, ibanValid, luhnValid, maskValue, type PiiKind } from '../../src/detect/content/pii.js';

function kinds(text: string, types?: PiiKind[]): Array<[string, string]> {
  return findPii(text, types).map((f) => [f.kind, text.slice(f.start, f.end)]);
}

describe('checksums', () => {
  it('Luhn accepts valid card numbers and rejects a changed digit', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('IBAN mod-97 with the country length', () => {
    expect(ibanValid('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('gb82west12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false); // checksum
    expect(ibanValid('GB82WEST1234569876543')).toBe(false); // length
    expect(ibanValid('XX82WEST12345698765432')).toBe(false); // country
  });
});

describe('findPii', () => {
  it('finds e-mail addresses with exact offsets', () => {
    expect(kinds('Write to Jane.Doe+news@mail.example.co.uk, or (bob@example.org).')).toEqual([
      ['email', 'Jane.Doe+news@mail.example.co.uk'],
      ['email', 'bob@example.org'],
    ]);
    expect(kinds('user@localhost and @handle and a@b.c')).toEqual([]);
  });

  it('finds phone numbers in international and national formats', () => {
    const phones = ['+44 20 7946 0958', '+1-202-555-0173', '(555) 123-4567', '555-123-4567', '+41 (0)96 471 07 95', '0490 75 40 81', '03.93.92.16.85', '345-899-3560x4587', '+447700677662'];
    for (const p of phones) expect(kinds(`Call ${p} today`), p).toEqual([['phone', p]]);
    // weak shapes need a phone word nearby
    expect(kinds('Phone: 467 3395')).toEqual([['phone', '467 3395']]);
    expect(kinds('Room 467 3395 is booked')).toEqual([]);
  });

  it('does not take dates, versions, years, counts or identifiers for phone numbers', () => {
    for (const t of ['on 2003-08-28 12:13:52', 'released v1.2.3.4', 'in 1982-1984-1987', 'CVE-2026-14257', '(2024-09-09)', 'costs 1 000 000 dollars', "driver's license number is 2270-66-1551"]) {
      expect(kinds(t, ['phone']), t).toEqual([]);
    }
  });

  it('finds payment cards only when the Luhn check passes', () => {
    expect(kinds('card 4111 1111 1111 1111 ok')).toEqual([['card', '4111 1111 1111 1111']]);
    expect(kinds('card 4111-1111-1111-1111 ok')).toEqual([['card', '4111-1111-1111-1111']]);
    expect(kinds('amex 378282246310005')).toEqual([['card', '378282246310005']]);
    expect(kinds('card 4111 1111 1111 1112 ok', ['card'])).toEqual([]);
  });

  it('finds IBANs only when the checksum passes, in print and compact form', () => {
    expect(kinds('pay to GB82 WEST 1234 5698 7654 32 now')).toEqual([['iban', 'GB82 WEST 1234 5698 7654 32']]);
    expect(kinds('pay to DE89370400440532013000.')).toEqual([['iban', 'DE89370400440532013000']]);
    expect(kinds('pay to GB82WEST12345698765433', ['iban'])).toEqual([]);
  });

  it('finds US SSNs outside the invalid ranges', () => {
    expect(kinds('SSN 078-05-1121 on file')).toEqual([['ssn', '078-05-1121']]);
    for (const bad of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) expect(kinds(`SSN ${bad}`, ['ssn'])).toEqual([]);
    expect(kinds('my SSN is 078051121', ['ssn'])).toEqual([['ssn', '078051121']]);
  });

  it('finds IPv4 and IPv6 addresses, not loopback or documentation ones', () => {
    expect(kinds('from 86.121.97.248 and 6e40:4041:c617:e898:c11:40d2:c669:2eb4 and fe80::1ff:fe23:4567:890a')).toEqual([
      ['ipv4', '86.121.97.248'],
      ['ipv6', '6e40:4041:c617:e898:c11:40d2:c669:2eb4'],
      ['ipv6', 'fe80::1ff:fe23:4567:890a'],
    ]);
    expect(kinds('127.0.0.1 0.0.0.0 999.1.1.1 192.0.2.4 ::1 2001:db8::1 at 12:30:45')).toEqual([]);
    // six groups and an IPv4 tail (six colons), and the short forms with "::" (two or more)
    expect(kinds('map 64:ff9b:1:2:3:4:86.121.97.248 or fe80::1 or 1::2:3:4:5:6:7 but not 1:2:3:4:5:6 nor 1:2:3:4:5:6:7:8:9', ['ipv6'])).toEqual([
      ['ipv6', '64:ff9b:1:2:3:4:86.121.97.248'],
      ['ipv6', 'fe80::1'],
      ['ipv6', '1::2:3:4:5:6:7'],
    ]);
  });

  it('finds a date of birth next to its label', () => {
    expect(kinds('DOB: 1990-04-13', ['dob'])).toEqual([['dob', '1990-04-13']]);
    expect(kinds('Released 1990-04-13', ['dob'])).toEqual([]);
  });

  it('looks only for the kinds asked for', () => {
    const text = 'bob@example.org 4111 1111 1111 1111';
    expect(kinds(text, ['card'])).toEqual([['card', '4111 1111 1111 1111']]);
  });
});

describe('PII actions', () => {
  it('redacts, masks (last four kept) or allows per kind', () => {
    const text = 'Mail bob@example.org, card 4111 1111 1111 1111, ip 86.121.97.248.';
    const r = applyPiiActions(text, findPii(text), { email: 'redact', card: 'mask', ipv4: 'allow' });
    expect(r.text).toBe('Mail [REDACTED:email], card **** **** **** 1111, ip 86.121.97.248.');
    expect(r.findings.map((f) => [f.kind, f.action])).toEqual([
      ['email', 'redact'],
      ['card', 'mask'],
    ]);
  });

  it('masks keep separators and the last four letters or digits', () => {
    expect(maskValue('+44 20 7946 0958')).toBe('+** ** **** 0958');
    expect(maskValue('GB82 WEST 1234 5698 7654 32')).toBe('**** **** **** **** **54 32');
  });
});
