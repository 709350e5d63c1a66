/**
 * @module Check-digit validators for Chinese identifiers: resident ID (GB 11643-1999, ISO 7064
 * MOD 11-2), unified social credit code (GB 32100-2015, MOD 31) and bank cards (Luhn, ISO/IEC 7812).
 * Check digits are the cheapest false-positive filter a PII detector has (research note §0.2).
 */

/** GB 11643-1999 weights Wi = 2^(18−i) mod 11 for the first 17 digits. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** ISO 7064 MOD 11-2 check characters indexed by (Σ aᵢ·Wᵢ) mod 11. */
const ID_CHECK = '10X98765432';

/**
 * Province-level division codes (GB/T 2260) that start a resident ID, plus 71 (Taiwan), 81/82
 * (Hong Kong/Macau residence permits) and 91 (overseas), as JioNLP admits.
 */
const ID_PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
  53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91,
]);

/** The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK[sum % 11] ?? '';
}

/**
 * Whether an 18-character string is a valid resident ID number: a known province code, a real
 * calendar date not in the future and not before 1880, and the MOD 11-2 check character.
 *
 * @example
 * isValidCnId('11010519491231002X'); // true (the GB 11643 example)
 */
export function isValidCnId(id: string, now: Date = new Date()): boolean {
  if (id.length !== 18 || !/^\d{17}[\dXx]$/.test(id)) return false;
  if (!ID_PROVINCES.has(Number(id.slice(0, 2)))) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < 1880 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  if (date.getTime() > now.getTime()) return false;
  return idCheckChar(id) === id[17]?.toUpperCase();
}

/** GB 32100-2015 code alphabet: digits and upper-case letters without I, O, S, V, Z (value = index). */
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** GB 32100-2015 weights Wi = 3^(i−1) mod 31 for positions 1–17. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The GB 32100 check character for the first 17 characters of a USCC. */
export function usccCheckChar(first17: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i] ?? '?');
    if (value < 0) return undefined;
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * Whether an 18-character string is a valid unified social credit code (GB 32100-2015 MOD 31).
 *
 * @example
 * isValidUscc('9144030071526726XG'); // true
 */
export function isValidUscc(code: string): boolean {
  if (code.length !== 18 || !/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) {
    return false;
  }
  return usccCheckChar(code) === code[17];
}

/**
 * Luhn (ISO/IEC 7812-1 Annex B) check over a string of digits: double every second digit from the
 * right, subtract 9 above 9, the sum must be ≡ 0 mod 10.
 *
 * @example
 * luhnValid('6222021234567890128'); // false unless the last digit fits
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** The digit that makes `partial` + digit Luhn-valid (for generating fixtures). */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${partial}${d}`)) return String(d);
  return '0';
}
