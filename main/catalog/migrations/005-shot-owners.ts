import type { Migration } from './types';

/**
 * Who runs a `running` generation: the host and process id of its owner and a lease the owner
 * renews while the shot runs. Orphan clean-up settles a row only when its owner is gone (its
 * process no longer exists on this host, or its lease ran out), so a studio opening the
 * library never fails the shots a CLI export is making. Rows from before have no owner.
 */
export const migration005: Migration = {
  version: 5,
  name: 'shot owners',
  up(db) {
    db.exec(`
      ALTER TABLE generations ADD COLUMN owner_host TEXT;
      ALTER TABLE generations ADD COLUMN owner_pid INTEGER CHECK (owner_pid IS NULL OR owner_pid > 0);
      ALTER TABLE generations ADD COLUMN lease_until TEXT;
      CREATE INDEX generations_running ON generations (status) WHERE status = 'running';
    `);
  },
};
