import type { CommandModule } from 'yargs';
import { runCommand } from '../run.js';
import { usageError } from '../../diagnostics.js';

// placeholder until the inspect issue lands; replaced wholesale by its implementation
export const command: CommandModule = {
  command: 'inspect',
  describe: false,
  handler: () =>
    runCommand(false, async () => {
      throw usageError({ code: 'cli/not-built', message: '`nmsim inspect` is not built yet.' });
    }),
};
