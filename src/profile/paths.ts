/** Where the shipped hardware profiles and tech files live (the same from src/ and dist/). */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIPPED_PROFILE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'hardware-profiles');
export const SHIPPED_TECH_DIR = path.join(SHIPPED_PROFILE_DIR, 'tech');
export const SPEC_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
