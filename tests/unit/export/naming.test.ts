import { describe, expect, it } from 'vitest';
import { assignSlots, renderTemplate, resolveCollisions, sanitizeSegment, templateProblems, type NameFields } from '../../../main/export/naming';

const fields: NameFields = { sku: 'AB123', colorway: 'navy', view: 'front', kind: 'realistic', category: 'sweater', name: 'Cable knit', slot: 'MAIN', index: 1, ext: 'jpg' };

describe('naming templates', () => {
  it('fills the placeholders', () => {
    expect(renderTemplate('{sku}_{colorway}_{view}_{kind}.{ext}', fields)).toBe('AB123_navy_front_realistic.jpg');
    expect(renderTemplate('{sku}.{slot}.{ext}', fields)).toBe('AB123.MAIN.jpg');
    expect(renderTemplate('{category}/{sku}-{index}.{ext}', fields)).toBe('sweater/AB123-1.jpg');
  });

  it('never lets a value create folders or escape the out folder', () => {
    expect(renderTemplate('{sku}_{view}.{ext}', { ...fields, sku: '../../etc/passwd', view: 'a\\b' })).toBe('.._.._etc_passwd_a_b.jpg');
  });

  it('reports unknown placeholders, a missing extension and unsafe paths', () => {
    expect(templateProblems('{sku}_{color}.{ext}')[0]).toMatch(/unknown placeholder \{color\}/);
    expect(templateProblems('{sku}.jpg')).toContain('must end with .{ext}');
    expect(templateProblems('../{sku}.{ext}')).toContain('must be a relative path without empty or .. segments');
    expect(templateProblems('{sku}_{view}.{ext}')).toEqual([]);
  });
});

describe('file names safe on Windows, macOS and Linux', () => {
  it('replaces characters Windows forbids and control characters', () => {
    expect(sanitizeSegment('a<b>c:d"e|f?g*h\\i\u0001j.jpg')).toBe('a_b_c_d_e_f_g_h_i_j.jpg');
  });

  it('drops trailing dots and spaces and leading spaces', () => {
    expect(sanitizeSegment('  name. . ')).toBe('name');
    expect(sanitizeSegment('...')).toBe('_');
    expect(sanitizeSegment('')).toBe('_');
  });

  it('prefixes Windows device names, with or without an extension, in any case', () => {
    expect(sanitizeSegment('CON')).toBe('_CON');
    expect(sanitizeSegment('con.jpg')).toBe('_con.jpg');
    expect(sanitizeSegment('Lpt1.MAIN.jpg')).toBe('_Lpt1.MAIN.jpg');
    expect(sanitizeSegment('nul ')).toBe('_nul');
    expect(sanitizeSegment('COM10.jpg')).toBe('COM10.jpg');
    expect(sanitizeSegment('console.jpg')).toBe('console.jpg');
  });

  it('fits 255 UTF-8 bytes, keeps the extension and never splits a character', () => {
    const long = sanitizeSegment('é'.repeat(300) + '.jpg');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('é.jpg')).toBe(true);
    expect(long).toBe('é'.repeat(125) + '.jpg');
  });

  it('normalizes to NFC so macOS and Linux agree on the bytes', () => {
    expect(sanitizeSegment('Cafe\u0301.jpg')).toBe('Caf\u00e9.jpg');
  });
});

describe('collisions', () => {
  it('keeps the first name and numbers later ones in order, case-insensitively', () => {
    expect(resolveCollisions(['a.jpg', 'A.jpg', 'b.jpg', 'a.jpg', 'a_2.jpg'])).toEqual(['a.jpg', 'A_2.jpg', 'b.jpg', 'a_3.jpg', 'a_2_2.jpg']);
  });

  it('avoids names already taken in the out folder and in subfolders', () => {
    expect(resolveCollisions(['x/a.jpg', 'x/a.jpg'], ['X/A.JPG'])).toEqual(['x/a_2.jpg', 'x/a_3.jpg']);
  });

  it('is deterministic', () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${i % 7}.jpg`);
    expect(resolveCollisions(names)).toEqual(resolveCollisions([...names]));
  });

  it('shortens a long stem to fit the suffix', () => {
    const base = 'x'.repeat(251) + '.jpg';
    const [, second] = resolveCollisions([base, base]);
    expect(Buffer.byteLength(second!)).toBe(255);
    expect(second!.endsWith('_2.jpg')).toBe(true);
  });
});

describe('marketplace slots', () => {
  const slots = { main: 'MAIN', back: 'BACK', other: 'PT{nn}' };
  it('front is MAIN, back is BACK, the rest PT01, PT02, ... in order', () => {
    expect(assignSlots(['front', 'back', 'left', 'right', 'three-quarter'], slots)).toEqual(['MAIN', 'BACK', 'PT01', 'PT02', 'PT03']);
  });
  it('without a front the first image is MAIN; a second front is a PT image', () => {
    expect(assignSlots(['back', 'left'], slots)).toEqual(['MAIN', 'PT01']);
    expect(assignSlots(['front', 'back', 'front', 'back'], slots)).toEqual(['MAIN', 'BACK', 'PT01', 'PT02']);
  });
});
