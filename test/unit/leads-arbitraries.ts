import fc from 'fast-check';

/** Phone-looking strings: 8–17 digits in random CRM formatting ("+1 (212) 555-0101", "212.555.0101 "). */
export function phoneLike(): fc.Arbitrary<string> {
  const digit = fc.constantFrom(...'0123456789');
  const separator = fc.constantFrom(' ', '-', '.', '(', ')', '/');
  return fc
    .tuple(
      fc.constantFrom('', '+', '+1 ', '1-', ' '),
      fc.array(fc.oneof({ arbitrary: digit, weight: 6 }, { arbitrary: separator, weight: 1 }), { minLength: 8, maxLength: 22 }),
    )
    .map(([prefix, chars]) => prefix + chars.join(''));
}
