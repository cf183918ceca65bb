import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../main/common/atomic-write';
import { assertWritableInside } from '../../../main/common/inside-root';
import { expectUserError } from '../support/user-error';
import { snapshot } from './file-snapshot';

/** a root we may write in, and a user folder beside it holding a file that must stay as it is */
function setup() {
  const base = mkdtempSync(join(tmpdir(), 'r2r-confine-'));
  const root = join(base, 'root');
  const user = join(base, 'user');
  mkdirSync(root);
  mkdirSync(user);
  writeFileSync(join(user, 'precious.png'), 'the user\'s own bytes');
  return { base, root, user, before: snapshot(user) };
}

describe('writes stay inside their root', () => {
  it('allows paths below the root, also in folders still to be made', () => {
    const { root } = setup();
    assertWritableInside(root, join(root, 'a.png'));
    assertWritableInside(root, join(root, 'new', 'deeper', 'a.png'));
    writeFileAtomic(join(root, 'new', 'deeper', 'a.png'), 'ok', { insideRoot: root });
    expect(readFileSync(join(root, 'new', 'deeper', 'a.png'), 'utf8')).toBe('ok');
  });

  it('accepts a root that is itself a link (a cache moved to another disk)', () => {
    const { base, root } = setup();
    const alias = join(base, 'alias');
    symlinkSync(root, alias);
    writeFileAtomic(join(alias, 'sub', 'a.png'), 'ok', { insideRoot: alias });
    expect(readFileSync(join(root, 'sub', 'a.png'), 'utf8')).toBe('ok');
  });

  it('refuses .. and the root itself', () => {
    const { root, user } = setup();
    expectUserError(() => assertWritableInside(root, join(root, '..', 'user', 'precious.png')), /is not inside that folder/);
    expectUserError(() => assertWritableInside(root, root), /is not inside that folder/);
    expectUserError(() => writeFileAtomic(join(root, '..', 'user', 'x.png'), 'no', { insideRoot: root }), /R2R Studio writes only inside/);
    expect(readdirSync(user)).toEqual(['precious.png']);
  });

  it('never writes through a folder link that leaves the root, nor makes folders behind it', () => {
    const { root, user, before } = setup();
    symlinkSync(user, join(root, 'planted'));
    expectUserError(() => writeFileAtomic(join(root, 'planted', 'precious.png'), 'overwritten', { insideRoot: root }), /planted leads to .*user/);
    expectUserError(() => writeFileAtomic(join(root, 'planted', 'new', 'x.png'), 'new', { insideRoot: root }), /planted leads to/);
    expect(snapshot(user)).toEqual(before);
  });

  it('never replaces or writes through a file link, even one pointing inside the root', () => {
    const { root, user, before } = setup();
    symlinkSync(join(user, 'precious.png'), join(root, 'a.png'));
    writeFileSync(join(root, 'inside.png'), 'inside');
    symlinkSync(join(root, 'inside.png'), join(root, 'b.png'));
    expectUserError(() => writeFileAtomic(join(root, 'a.png'), 'overwritten', { insideRoot: root }), /a\.png: it is a symbolic link \(to .*precious\.png\)/);
    expectUserError(() => writeFileAtomic(join(root, 'b.png'), 'overwritten', { insideRoot: root }), /it is a symbolic link/);
    expect(snapshot(user)).toEqual(before);
    expect(readFileSync(join(root, 'inside.png'), 'utf8')).toBe('inside');
  });

  it('treats a dangling link as there: writing would create its target outside', () => {
    const { root, user } = setup();
    symlinkSync(join(user, 'not-yet'), join(root, 'dangling'));
    expectUserError(() => writeFileAtomic(join(root, 'dangling', 'x.png'), 'x', { insideRoot: root }), /dangling leads to a missing place/);
    symlinkSync(join(user, 'not-yet.png'), join(root, 'dangling.png'));
    expectUserError(() => writeFileAtomic(join(root, 'dangling.png'), 'x', { insideRoot: root }), /symbolic link \(to a missing file\)/);
    expect(readdirSync(user)).toEqual(['precious.png']);
  });

  it('leaves no temporary file behind when it refuses', () => {
    const { root, user } = setup();
    mkdirSync(join(root, 'out'));
    symlinkSync(join(user, 'precious.png'), join(root, 'out', 'a.png'));
    expectUserError(() => writeFileAtomic(join(root, 'out', 'a.png'), 'x', { insideRoot: root }), /symbolic link/);
    expect(readdirSync(join(root, 'out'))).toEqual(['a.png']);
  });
});
