/**
 * @module Seeded synthetic Chinese corpus for the PII benchmark: common-character prose with
 * numbers, dates, order ids and (about one per 2 KB) real-format PII values, so both the fast path
 * (no ASCII) and the confirmers are exercised.
 */

/** Mulberry32: a tiny seeded PRNG (benchmarks must be reproducible). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质';
const PII = [
  '11010519491231002X',
  '13812345678',
  '6200000000000005',
  '9144030071526726XG',
  'zhang.san@example.com',
  '192.168.1.100',
  '京A12345',
];
const NOISE = ['2024年1月1日', '订单号202401011234567890', '第3章', '100元', '12:30'];

/** A corpus of about `chars` UTF-16 units, deterministic for a seed. */
export function chineseCorpus(chars: number, seed = 20240101): string {
  const rand = mulberry32(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const r = rand();
    let piece: string;
    if (r < 0.004) piece = PII[Math.floor(rand() * PII.length)] ?? '';
    else if (r < 0.02) piece = NOISE[Math.floor(rand() * NOISE.length)] ?? '';
    else if (r < 0.08) piece = rand() < 0.5 ? '，' : '。';
    else piece = COMMON[Math.floor(rand() * COMMON.length)] ?? '';
    parts.push(piece);
    length += piece.length;
  }
  return parts.join('');
}
