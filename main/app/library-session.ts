import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiEvent } from '../../preload/api/contract';
import { UserError } from '../common/errors';
import { addRecent, loadRecent, saveRecent, type RecentLibrary } from './recent-libraries';

/**
 * Opens and creates libraries for the menus' dialogs and returns the library's root folder.
 * The default only checks folders; the backend's library service (catalog) plugs in here so
 * the menus open the same library the API works on.
 */
export interface LibraryOpener {
  open(path: string): Promise<string>;
  create(path: string): Promise<string>;
}

export const folderOpener: LibraryOpener = {
  async open(path) {
    const root = resolve(path);
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new UserError('library-missing', `the library folder ${root} does not exist`, 'It may have been moved or deleted; open it from where it is now.');
    }
    if (!isDir) throw new UserError('not-a-folder', `${root} is a file, not a library folder`, 'Choose the folder that holds the library.');
    return root;
  },
  async create(path) {
    const root = resolve(path);
    try {
      mkdirSync(root, { recursive: true });
    } catch (err) {
      throw new UserError('library-not-created', `cannot create the library folder ${root}: ${(err as Error).message}`, 'Choose a folder you can write to.');
    }
    return root;
  },
};

/**
 * Which library folder the window has open (the asset protocol serves only from it) and the
 * recent ones. Opening tells the page (`app.command` library-opened / library-created).
 */
export class LibrarySession {
  private current: string | undefined;
  private list: RecentLibrary[];
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly recentFile: string,
    private readonly emit: (event: ApiEvent) => void,
    private readonly opener: LibraryOpener = folderOpener,
  ) {
    this.list = loadRecent(recentFile);
  }

  get root(): string | undefined {
    return this.current;
  }

  get recent(): readonly RecentLibrary[] {
    return this.list;
  }

  /** called when the recent list changes (the menu is rebuilt) */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async open(path: string): Promise<string> {
    const root = await this.opener.open(path);
    this.use(root, 'library-opened');
    return root;
  }

  async create(path: string): Promise<string> {
    const root = await this.opener.create(path);
    this.use(root, 'library-created');
    return root;
  }

  clearRecent(): void {
    this.list = [];
    saveRecent(this.recentFile, this.list);
    this.changed();
  }

  private use(root: string, command: 'library-opened' | 'library-created'): void {
    this.current = root;
    this.list = addRecent(this.list, root);
    saveRecent(this.recentFile, this.list);
    this.changed();
    this.emit({ type: 'app.command', payload: { command, path: root } });
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
