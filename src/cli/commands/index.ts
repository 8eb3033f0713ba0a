import type { CommandModule } from 'yargs';

/** Every command, in the order `nmsim --help` lists them (main job first). */
export const COMMAND_NAMES = ['review', 'inspect', 'analyze', 'capture', 'generate', 'area', 'simulate', 'merge', 'validate'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Each command loaded on demand: a command's module imports the library parts it runs (capture its
 * kernels, validate its corpus), so `nmsim review` loads the review's modules only (loadCommands).
 */
const LOADERS: Record<CommandName, () => Promise<unknown>> = {
  review: async () => (await import('./review.js')).command,
  inspect: async () => (await import('./inspect.js')).command,
  analyze: async () => (await import('./analyze.js')).command,
  capture: async () => (await import('./capture.js')).command,
  generate: async () => (await import('./generate.js')).command,
  area: async () => (await import('./area.js')).command,
  simulate: async () => (await import('./simulate.js')).command,
  merge: async () => (await import('./merge.js')).command,
  validate: async () => (await import('./validate.js')).command,
};

/**
 * The commands yargs must know to parse `argv`: the one its first word names (`nmsim review …`),
 * else every command (`nmsim --help`, a misspelt command: yargs lists them or suggests the closest).
 */
export async function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  const first = argv[0];
  const names = first !== undefined && Object.hasOwn(LOADERS, first) ? [first as CommandName] : COMMAND_NAMES;
  return (await Promise.all(names.map((n) => LOADERS[n]()))) as CommandModule[];
}
