/**
 * A counted noun in user-facing text, agreeing in number: "1 hardware profile", "7 hardware
 * profiles", "0 design points". Counts are grouped by thousands ("1,204 design points"),
 * written by hand (no locale).
 */
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  const grouped = String(Math.abs(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${count < 0 ? '-' : ''}${grouped} ${count === 1 ? singular : plural}`;
}
