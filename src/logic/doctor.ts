import type { float8, int } from '../sqltypes';

/**
 * walrus_doctor(): everything that silently stops pg_walrus from helping, one finding per check. The SQL gathers the
 * facts; each judgement and each fix is here, compiled, so the thresholds are read and tested in one place.
 */
export interface Finding {
  check: string;
  /** ok, warn or fail. */
  status: string;
  detail: string;
  /** The command that fixes it, or '' when nothing needs fixing. */
  fix: string;
}

function ok(check: string, detail: string): Finding {
  return { check: check, status: 'ok', detail: detail, fix: '' };
}

export function cronFinding(installed: boolean, cron_database: string, database: string): Finding {
  if (installed) {
    return ok('pg_cron', 'pg_cron is installed in this database');
  }
  return {
    check: 'pg_cron',
    status: 'fail',
    detail: `pg_cron is not installed in database ${database} (cron.database_name is '${cron_database}'): nothing runs the cycle`,
    fix: `shared_preload_libraries = 'pg_cron' and cron.database_name = '${database}' in postgresql.conf, restart, then CREATE EXTENSION pg_cron; SELECT walrus.schedule_job();`,
  };
}

export function jobFinding(cron_installed: boolean, scheduled: boolean, active: boolean, last_status: string | null, last_message: string | null): Finding {
  if (!cron_installed) {
    return { check: 'job', status: 'fail', detail: 'no pg_cron, so no job', fix: 'see the pg_cron check' };
  }
  if (!scheduled) {
    return { check: 'job', status: 'fail', detail: 'the pg_cron job pg_walrus is missing: no cycle runs', fix: 'SELECT walrus.schedule_job();' };
  }
  if (!active) {
    return {
      check: 'job',
      status: 'warn',
      detail: 'the pg_cron job pg_walrus is paused',
      fix: "SELECT cron.alter_job(jobid, active := true) FROM cron.job WHERE jobname = 'pg_walrus';",
    };
  }
  if (last_status === 'failed') {
    return {
      check: 'job',
      status: 'fail',
      detail: `the last run of the pg_cron job failed: ${last_message ?? 'no message'}`,
      fix: "SELECT * FROM cron.job_run_details WHERE jobid = (SELECT jobid FROM cron.job WHERE jobname = 'pg_walrus') ORDER BY runid DESC LIMIT 5; -- then fix what it says",
    };
  }
  return ok('job', last_status === null ? 'the pg_cron job pg_walrus is scheduled and active; it has not run yet' : `the pg_cron job pg_walrus is scheduled and active; its last run: ${last_status}`);
}

export function applyFinding(
  in_recovery: boolean,
  dblink_installed: boolean,
  role: string,
  role_allowed: boolean,
  alter_system_allowed: boolean,
  patroni: boolean,
  apply_setting: string,
): Finding {
  const check = 'apply';
  if (in_recovery) {
    return ok(check, 'this server is a standby: cycles run on the primary, and the first one after a promotion restores the cluster size');
  }
  if (apply_setting === 'advise') {
    return ok(check, 'walrus.apply = advise: cycles record advice; walrus_recommendation() has the commands');
  }
  if (patroni) {
    return {
      check: check,
      status: 'warn',
      detail: 'Patroni manages this server and overrides ALTER SYSTEM: cycles only advise',
      fix: "SELECT walrus_recommendation() -> 'commands' ->> 'patroni'; -- run that command; or SET walrus.apply = advise to say so",
    };
  }
  if (!alter_system_allowed) {
    return {
      check: check,
      status: 'warn',
      detail: 'allow_alter_system is off: cycles only advise',
      fix: "allow_alter_system = on in postgresql.conf and SELECT pg_reload_conf(); or apply walrus_recommendation() -> 'commands' yourself",
    };
  }
  if (!dblink_installed) {
    return { check: check, status: 'fail', detail: 'dblink is not installed: cycles only advise', fix: 'CREATE EXTENSION dblink;' };
  }
  if (!role_allowed) {
    return {
      check: check,
      status: 'fail',
      detail: `role ${role}, which runs the cycles, may not ALTER SYSTEM SET max_wal_size: cycles only advise`,
      fix: `GRANT ALTER SYSTEM ON PARAMETER max_wal_size TO ${role}; GRANT EXECUTE ON FUNCTION pg_reload_conf() TO ${role};`,
    };
  }
  return ok(check, `cycles apply sizes as ${role} over a loopback dblink connection`);
}

export function settingsFinding(invalid: string): Finding {
  if (invalid === '') {
    return ok('settings', 'every walrus.* setting is valid');
  }
  return {
    check: 'settings',
    status: 'warn',
    detail: `invalid, so the default is used: ${invalid}`,
    fix: "SELECT name, setting, error FROM walrus.settings WHERE NOT valid; -- then walrus_set(name, value) or ALTER SYSTEM RESET",
  };
}

export function capFinding(current_mb: int, max_mb: int, min_wal_size_mb: int): Finding {
  if (min_wal_size_mb > max_mb) {
    return {
      check: 'cap',
      status: 'warn',
      detail: `min_wal_size (${min_wal_size_mb} MB) is above walrus.max (${max_mb} MB): max_wal_size can never be below min_wal_size, so the cap is ${min_wal_size_mb} MB`,
      fix: `SELECT walrus_set('walrus.max', '${min_wal_size_mb}MB'); -- or lower min_wal_size`,
    };
  }
  if (current_mb > max_mb) {
    return {
      check: 'cap',
      status: 'warn',
      detail: `max_wal_size (${current_mb} MB) is above walrus.max (${max_mb} MB): pg_walrus will shrink it to the cap, never grow it`,
      fix: `SELECT walrus_set('walrus.max', '${current_mb}MB'); -- if the larger size is wanted`,
    };
  }
  return ok('cap', `max_wal_size ${current_mb} MB is within walrus.max ${max_mb} MB`);
}

/**
 * WAL that checkpoints cannot remove: replication slots, a failing archiver and wal_keep_size keep it on disk however
 * large or small max_wal_size is, so growing it cannot help, and the disk fills regardless.
 */
export function slotsFinding(retained_mb: float8, max_wal_size_mb: int, slots: string): Finding {
  if (slots === '' || !(retained_mb > max_wal_size_mb)) {
    return ok('replication slots', 'no replication slot holds more WAL than max_wal_size');
  }
  // Clamped only so that no measurement can overflow the int that prints it.
  const held: int = Math.round(Math.min(retained_mb, 2000000000));
  return {
    check: 'replication slots',
    status: 'warn',
    detail: `replication slots hold ${held} MB of WAL, more than max_wal_size (${max_wal_size_mb} MB): ${slots}. Checkpoints cannot remove it, and a larger max_wal_size does not help`,
    fix: "SELECT slot_name, active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots; -- fix or drop (pg_drop_replication_slot) the slot, or set max_slot_wal_keep_size",
  };
}

export function archiverFinding(archive_mode: string, failing: boolean, last_failed_wal: string | null): Finding {
  if (archive_mode === 'off' || !failing) {
    return ok('archiver', archive_mode === 'off' ? 'archive_mode is off' : 'the archiver keeps up');
  }
  return {
    check: 'archiver',
    status: 'fail',
    detail: `archiving fails (last failed: ${last_failed_wal ?? 'unknown'}): WAL that is not archived stays on disk whatever max_wal_size says`,
    fix: 'SELECT * FROM pg_stat_archiver; -- then fix archive_command / archive_library (see the server log)',
  };
}

export function walKeepFinding(wal_keep_size_mb: int, max_wal_size_mb: int): Finding {
  if (wal_keep_size_mb <= max_wal_size_mb) {
    return ok('wal_keep_size', `wal_keep_size (${wal_keep_size_mb} MB) is within max_wal_size`);
  }
  return {
    check: 'wal_keep_size',
    status: 'warn',
    detail: `wal_keep_size (${wal_keep_size_mb} MB) keeps more WAL than max_wal_size (${max_wal_size_mb} MB) on disk: that part is not governed by pg_walrus`,
    fix: "ALTER SYSTEM SET wal_keep_size = '...'; SELECT pg_reload_conf(); -- if standbys can use a slot instead",
  };
}

/** pg_cron 1.4 runs jobs at most once a minute: a shorter checkpoint_timeout is sampled over several intervals. */
export function cadenceFinding(timeout_sec: int, seconds_supported: boolean): Finding {
  if (timeout_sec >= 60 || seconds_supported) {
    return ok('cadence', `checkpoint_timeout ${timeout_sec} s; the job runs once per interval`);
  }
  return {
    check: 'cadence',
    status: 'warn',
    detail: `checkpoint_timeout is ${timeout_sec} s, but this pg_cron runs jobs at most once a minute: each cycle spans several intervals (the counts are normalised, the reaction is slower)`,
    fix: "ALTER SYSTEM SET checkpoint_timeout = '1min'; SELECT pg_reload_conf(); -- or pg_cron 1.5+, which schedules in seconds",
  };
}

/** Forced checkpoints that go on at walrus.max: pg_walrus can do no more, the cap is too low for the load. */
export function pressureAtCapFinding(cycles_at_cap_under_pressure: int, max_mb: int): Finding {
  if (cycles_at_cap_under_pressure < 3) {
    return ok('pressure at the cap', 'no sustained forced checkpoints at walrus.max');
  }
  return {
    check: 'pressure at the cap',
    status: 'warn',
    detail: `${cycles_at_cap_under_pressure} recent cycles had forced checkpoints with max_wal_size already at walrus.max (${max_mb} MB)`,
    fix: `SELECT walrus_set('walrus.max', '${max_mb * 2}MB'); -- if the disk allows`,
  };
}

/** On a standby: its own max_wal_size against the size the cluster decided, which a promotion restores. */
export function standbyFinding(in_recovery: boolean, local_mb: int, cluster_mb: int | null): Finding {
  if (!in_recovery) {
    return ok('standby', 'this server is a primary');
  }
  if (cluster_mb === null || cluster_mb === local_mb) {
    return ok('standby', `max_wal_size here is ${local_mb} MB, as the cluster decided`);
  }
  return {
    check: 'standby',
    status: 'warn',
    detail: `max_wal_size here is ${local_mb} MB, the cluster decided ${cluster_mb} MB (ALTER SYSTEM is not replicated); the first cycle after a promotion restores ${cluster_mb} MB`,
    fix: `ALTER SYSTEM SET max_wal_size = '${cluster_mb}MB'; SELECT pg_reload_conf(); -- on this standby, to match now`,
  };
}
