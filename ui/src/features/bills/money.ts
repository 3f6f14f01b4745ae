// Money as residents read it. Amounts travel as integer fen (minor units) and are only ever
// turned into text here: ¥ with two decimals, never through a float.

/** 75180 → "751.80"; −5 → "-0.05". */
export function yuan(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  const whole = Math.floor(abs / 100);
  const cents = abs % 100;
  return `${sign}${whole.toLocaleString('en-US')}.${String(cents).padStart(2, '0')}`;
}

/** 75180 → "¥751.80". */
export function money(minor: number): string {
  return `¥${yuan(minor)}`;
}
