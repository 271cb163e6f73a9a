import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  configForPerson,
  playgroundPeople,
  writeConfigForPerson,
  type PlaygroundUser,
} from '../../scripts/playground-config.js';
import { CONTOSO_CONFIG, FABRIKAM_CONFIG } from '../support/playground.js';

interface Parsed {
  version: string;
  tenantId: string;
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChat: { id: string };
  team: { id: string; channels: { id: string }[] };
}

/** The demo people's Agents Playground configs (scripts/playground-config.ts), one per person. */
describe('Agents Playground configs for the demo people (scripts/playground-config)', function () {
  const tenants = [
    { file: CONTOSO_CONFIG, people: ['alice.smith', 'ben.jones', 'carol.white', 'dan.morgan'] },
    { file: FABRIKAM_CONFIG, people: ['erin.lee', 'frank.ortiz'] },
  ];

  it('has the fields the playground’s schema (0.1.1) demands: a version and exactly five other users', function () {
    for (const { file } of tenants) {
      const config = parse(readFileSync(file, 'utf8')) as Parsed;
      assert.equal(config.version, '0.1.1', file);
      assert.equal(config.users.length, 5, file);
      assert.ok(
        config.team.channels.length <= 1,
        `${file}: the playground allows one channel besides General`,
      );
    }
  });

  it('makes each demo person the current user, keeping the tenant, the team and everyone else', function () {
    const chats = new Set<string>();
    for (const { file, people } of tenants) {
      const original = parse(readFileSync(file, 'utf8')) as Parsed;
      const everyone = playgroundPeople(file)
        .map((p) => p.userPrincipleName)
        .sort();
      for (const person of people) {
        const upn = everyone.find((u) => u.startsWith(`${person}@`));
        assert.ok(upn, `${person} is in ${file}`);
        const config = parse(configForPerson(file, upn)) as Parsed;
        assert.equal(config.currentUser.userPrincipleName, upn);
        assert.equal(config.users.length, 5);
        assert.deepEqual(
          [config.currentUser, ...config.users].map((u) => u.userPrincipleName).sort(),
          everyone,
        );
        assert.equal(config.tenantId, original.tenantId);
        assert.deepEqual(config.team, original.team);
        assert.equal(config.version, '0.1.1');
        // The bot keeps one conversation per personal chat: no two people may share one.
        assert.ok(!chats.has(config.personalChat.id), `${config.personalChat.id} is used twice`);
        chats.add(config.personalChat.id);
      }
    }
  });

  it('uses the tenant file itself for its own current user, and refuses someone not in the tenant', function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'playground-config-'));
    try {
      assert.equal(writeConfigForPerson(CONTOSO_CONFIG, 'alice.smith@contoso.com', dir), CONTOSO_CONFIG);
      const ben = writeConfigForPerson(CONTOSO_CONFIG, 'BEN.JONES@contoso.com', dir);
      assert.equal(path.dirname(ben), dir);
      assert.equal((parse(readFileSync(ben, 'utf8')) as Parsed).currentUser.name, 'Ben Jones');
      assert.throws(() => configForPerson(CONTOSO_CONFIG, 'erin.lee@fabrikam.com'), /not a user in/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
