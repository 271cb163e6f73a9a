import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../env/project-files.js';

// Folders that hold build output, local data or tooling state, never source a newcomer looks for.
const NOT_SOURCE = new Set(['node_modules', 'dist', 'data', 'coverage', '.test-output', '.deploy', 'build']);

// Tools leave empty folders behind (git keeps none): only folders with something in them count.
const isSourceFolder = (parent: string, entry: Dirent) =>
  entry.isDirectory() &&
  !NOT_SOURCE.has(entry.name) &&
  !entry.name.startsWith('.') &&
  readdirSync(path.join(ROOT, parent, entry.name)).length > 0;

function foldersUnder(relative: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
    if (!isSourceFolder(relative, entry)) continue;
    const child = path.posix.join(relative, entry.name);
    found.push(`${child}/`, ...foldersUnder(child));
  }
  return found;
}

function topLevelFolders(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => isSourceFolder('', e))
    .map((e) => `${e.name}/`);
}

/** The README's folder table is how a newcomer finds a concern: it must name every folder of the server. */
describe('README architecture folder table', function () {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('## Configuration'));
  const named = new Set(
    [...section.matchAll(/^\| ([^|]+) \|/gm)]
      .flatMap((m) => [...(m[1] ?? '').matchAll(/`([^`]+\/)`/g)])
      .map((m) => m[1] ?? ''),
  );

  it('names every folder of the server and of the repository', function () {
    const expected = [...topLevelFolders(), ...foldersUnder('bot'), ...foldersUnder('shared')];
    assert.deepEqual(
      expected.filter((folder) => !named.has(folder)),
      [],
    );
  });

  it('names no folder that does not exist', function () {
    assert.deepEqual(
      [...named].filter((folder) => {
        try {
          return !statSync(path.join(ROOT, folder)).isDirectory();
        } catch {
          return true;
        }
      }),
      [],
    );
  });
});
