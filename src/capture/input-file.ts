/**
 * Reading the capture inputs (checkpoint, tokenizer, story text): a missing or unreadable file
 * is bad input (exit 1), not bad usage; the diagnostic names the file, the errno and the fix.
 */
import { promises as fs } from 'node:fs';
import { inputError } from '../diagnostics.js';

export interface InputFileRole {
  /** diagnostic code, e.g. "checkpoint/unreadable" */
  code: string;
  /** what the file is, e.g. "model file" */
  noun: string;
  hint: string;
  /** the option that named the file, e.g. "--model" */
  path?: string;
}

export async function readInputFile(file: string, role: InputFileRole): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw inputError({
      code: role.code,
      file,
      ...(role.path ? { path: role.path } : {}),
      message: `cannot read the ${role.noun}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      hint: role.hint,
    });
  }
}
