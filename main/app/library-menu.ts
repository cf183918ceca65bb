import type { ApiEvent, LibraryService } from '../../preload/api/contract';
import type { LibraryInfo } from '../../preload/api/library-types';

/**
 * The File menu's library items and dialogs act through the backend's library API, the same
 * calls the page makes, so there is one open library and one recent list. A library opened
 * from the menu is news to the page: it hears `app.command` library-opened / library-created.
 */
export function libraryMenuActions(library: LibraryService, emit: (event: ApiEvent) => void) {
  const use = async (command: 'library-opened' | 'library-created', info: Promise<LibraryInfo>) => {
    const opened = await info;
    emit({ type: 'app.command', payload: { command, path: opened.root } });
    return opened;
  };
  return {
    open: (path: string) => use('library-opened', library.open(path)),
    create: (path: string) => use('library-created', library.create(path)),
    clearRecent: () => library.clearRecent(),
    /**
     * At start the studio opens where the artist left off: the newest recent library. The
     * recent list already drops folders that are gone; one that no longer opens (damaged,
     * from a newer version) is reported by the caller and the studio starts without it.
     */
    reopenLast: async (): Promise<LibraryInfo | undefined> => {
      const [last] = await library.recent();
      return last === undefined ? undefined : use('library-opened', library.open(last));
    },
  };
}
