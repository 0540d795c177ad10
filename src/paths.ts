/**
 * Where the project's own files are (card templates, migrations): found from this module's folder, which
 * is src/ under tsx and dist/src/ when compiled (`npm run build`), so both runs read the same files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${start}`);
  }
}

/** The folder with package.json, cards/ and prisma/. */
export const PROJECT_ROOT = findProjectRoot(__dirname);
