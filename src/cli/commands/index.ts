import type { CommandModule } from 'yargs';
import { command as inspect } from './inspect.js';
import { command as capture } from './capture.js';
import { command as generate } from './generate.js';
import { command as analyze } from './analyze.js';
import { command as area } from './area.js';
import { command as simulate } from './simulate.js';
import { command as review } from './review.js';
import { command as merge } from './merge.js';
import { command as validate } from './validate.js';

/** Every command, in the order `nmsim --help` lists them (main job first). */
export const commands: CommandModule[] = [
  review,
  inspect,
  analyze,
  capture,
  generate,
  area,
  simulate,
  merge,
  validate,
] as CommandModule[];
