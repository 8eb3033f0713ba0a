/**
 * Progress on long work: a cli-progress bar on a TTY (stderr), nothing otherwise (CI logs and
 * pipes stay clean). The bar module is imported lazily.
 */
export interface Progress {
  tick(delta?: number, label?: string): void;
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

export async function startProgress(total: number, title: string, enabled = true): Promise<Progress> {
  if (!enabled || !process.stderr.isTTY || total <= 0) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {percentage}% {value}/{total} {label}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    tick(delta = 1, label = '') {
      bar.increment(delta, { label });
    },
    stop() {
      bar.stop();
    },
  };
}
