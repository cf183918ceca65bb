/**
 * Commands the desktop app's menus and shortcuts send to the page (event `app.command`).
 * The page decides what each does where focus is (undo in a text field is the field's own).
 */
export const APP_COMMANDS = [
  'library-opened',
  'library-created',
  'undo',
  'redo',
  'generate',
  'cancel-job',
  'export',
  'zoom-in',
  'zoom-out',
  'zoom-fit',
  'zoom-actual',
  'about',
] as const;

export type AppCommand = (typeof APP_COMMANDS)[number];
