import type { CommandModule } from 'yargs';
import { runCommand } from '../run.js';
import { usageError } from '../../diagnostics.js';

// placeholder until the capture issue lands; replaced wholesale by its implementation
export const command: CommandModule = {
  command: 'capture',
  describe: false,
  handler: () =>
    runCommand(false, async () => {
      throw usageError({ code: 'cli/not-built', message: '`nmsim capture` is not built yet.' });
    }),
};
