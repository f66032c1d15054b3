/**
 * The upgrade chain: one step per released version. codegen writes migrations/pg_walrus--<from>--<to>.sql for the
 * step that ends at the current version (package.json's major.minor); older steps' scripts are committed and frozen,
 * since they must keep producing exactly the version they name. See "Upgrades" in codegen/README.md.
 *
 * Most of an upgrade is derived, not declared (codegen/extension/upgrade.ts): every old object that holds no data
 * (functions, types, views, event triggers) is dropped and the new script's objects are created from the same
 * sections as a fresh install; each old table is set aside, created afresh from src/schema.ts, and its rows copied
 * by column name, with assignment casts for changed types and the column's DEFAULT for new columns. Sequences keep
 * their position, privileges the DBA granted or revoked are carried over, and operator roles are granted again the
 * new version's way. A step only declares what cannot be derived, and the update stops, rolling everything back,
 * rather than lose data: an old table or column the new version lacks must be listed here.
 */

/**
 * Where the old tables wait while an update creates the new ones; dropped at the end. While it exists, the
 * installation steps know they run in an update (see INSTALL_STEPS).
 */
export const UPGRADE_SCHEMA = 'walrus_upgrade';

/** How the rows of one old table reach the new one. Columns present in both versions need no entry. */
export interface TableMigration {
  /**
   * New columns and the SQL expression that fills each, evaluated per old row: the old row is `old`, its columns can
   * be named directly. A new column not listed gets its DEFAULT; list it anyway when the default is not the answer.
   */
  readonly columns?: Readonly<Record<string, string>>;
  /** Old columns whose values are deliberately dropped; any other old column the new table lacks stops the update. */
  readonly droppedColumns?: readonly string[];
}

export interface MigrationStep {
  readonly from: string;
  readonly to: string;
  /** A commit holding the released sql/pg_walrus--<from>.sql: the upgrade test installs it from git history. */
  readonly fromCommit: string;
  /** Tables of schema walrus, by name, whose rows need more than a copy by column name. */
  readonly tables?: Readonly<Record<string, TableMigration>>;
  /** Old tables whose rows are deliberately dropped; any other old table the new version lacks stops the update. */
  readonly droppedTables?: readonly string[];
  /**
   * SQL run after the new objects exist and before the rows are copied, with the old tables in schema
   * walrus_upgrade: data fixes the new constraints need, renames (ALTER TABLE walrus_upgrade.a RENAME TO b).
   */
  readonly beforeCopy?: string;
  /** SQL run after the rows are copied (recomputing a derived column, say). */
  readonly afterCopy?: string;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  {
    from: '0.1',
    to: '0.2',
    fromCommit: '61313aa',
    // Nothing to declare: every change to the tables is derived. New columns take their DEFAULT (quiet_carry_sec 0:
    // no quiet time carried over) or NULL: 0.1 recorded no timeline, and NULL is 0.2's "unknown", so such a sample
    // is not compared with a new one (the first cycle after the update is a baseline) and such a history row neither
    // triggers a failover nor is trusted as the size in force; today's timeline would vouch for rows that may predate
    // a promotion. history.forced_checkpoints (integer to bigint) converts on copy, its action CHECK admits more
    // actions than 0.1 wrote, and the rate limits' partial index is created as 0.2 declares it. The forecast's columns
    // of walrus.state take their DEFAULTs and walrus.forecast_profile starts empty: nothing learned yet, as after a
    // walrus_reset().
  },
];
