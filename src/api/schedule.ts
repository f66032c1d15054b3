import { UPGRADE_SCHEMA } from '../migrations';
import { sqlFunction } from '../sqlapi';

export const JOB_NAME = 'pg_walrus';
/** Qualified: the job runs with its owner's default search_path, where another role might have planted a namesake. */
export const JOB_COMMAND = 'SELECT public.walrus_analyze()';
/** Where the drop hook keeps the job between ddl_command_start and ddl_command_end of one DROP EXTENSION. */
const JOB_STASH = 'pg_walrus.job_being_dropped';

/** The pg_cron job. Every reference to the cron schema is dynamic, so these compile where pg_cron is absent. */
export const SCHEDULE_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.cron_installed',
    returns: 'boolean',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'Whether pg_cron is installed in this database.',
    body: `
  SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron')`,
  }),
  sqlFunction({
    name: 'walrus.cron_seconds_supported',
    returns: 'boolean',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: "Whether the installed pg_cron schedules in seconds (1.5 and later); 1.4's finest cadence is a minute.",
    body: `
  SELECT coalesce((SELECT string_to_array(split_part(extversion, '-', 1), '.')::integer[] >= ARRAY[1, 5]
                     FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'), false)`,
  }),
  sqlFunction({
    name: 'walrus.desired_schedule',
    args: [{ name: 'algorithm', type: 'text' }],
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The pg_cron schedule for an algorithm: every minute for forecast, else once per checkpoint_timeout, in the ' +
      'finest granularity the installed pg_cron offers.',
    body: `
  SELECT walrus.cron_schedule(
    walrus.job_interval_sec(algorithm, (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'checkpoint_timeout')),
    walrus.cron_seconds_supported())`,
  }),
  sqlFunction({
    name: 'walrus.schedule_job',
    args: [{ name: 'algorithm', type: 'text', default: 'NULL' }],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      `Creates or updates the pg_cron job named ${JOB_NAME} that runs ${JOB_COMMAND}: every minute for ` +
      'walrus.algorithm = forecast, else once per checkpoint_timeout. algorithm: the one in force (NULL: the setting).',
    body: `
DECLARE
  wanted text := walrus.desired_schedule(coalesce(algorithm, (walrus.read_config(false)).algorithm));
BEGIN
  IF NOT walrus.cron_installed() THEN
    RAISE EXCEPTION 'pg_cron is not installed in database %', current_database();
  END IF;
  -- cron.schedule() with an existing job name updates that job instead of adding a second one.
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING '${JOB_NAME}', wanted, '${JOB_COMMAND}';
  RETURN wanted;
END;`,
  }),
  sqlFunction({
    name: 'walrus.ensure_schedule',
    args: [{ name: 'algorithm', type: 'text' }],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Keeps an existing pg_walrus job in step with checkpoint_timeout and the algorithm in force (a profile may ' +
      'switch it). A job the DBA removed stays removed. Returns the new schedule when it changed, else NULL.',
    body: `
DECLARE
  current_schedule text;
  wanted text;
BEGIN
  -- Only the job's owner can change it; for anyone else (an operator role) there is nothing to keep in step.
  IF NOT walrus.cron_installed() OR NOT has_schema_privilege('cron', 'USAGE') THEN
    RETURN NULL;
  END IF;
  EXECUTE 'SELECT schedule FROM cron.job WHERE jobname = $1 AND username = current_user' INTO current_schedule
    USING '${JOB_NAME}';
  wanted := walrus.desired_schedule(algorithm);
  IF current_schedule IS NULL OR current_schedule = wanted THEN
    RETURN NULL;
  END IF;
  RAISE LOG 'pg_walrus: rescheduling job ${JOB_NAME} from "%" to "%" (checkpoint_timeout or walrus.algorithm changed)',
    current_schedule, wanted;
  RETURN walrus.schedule_job(algorithm);
END;`,
  }),
  sqlFunction({
    name: 'walrus.unschedule_on_drop',
    returns: 'event_trigger',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    // It fires for every role's DROP EXTENSION (a database owner dropping a trusted extension, say), and such a role
    // may not use schema walrus or read cron.job; it only ever moves the pg_walrus job aside.
    securityDefiner: true,
    doc:
      'Event trigger at ddl_command_start of DROP EXTENSION: sets the pg_walrus cron job aside, since the command ' +
      'may drop pg_walrus. sql_drop triggers of an extension do not fire for its own drop, and the start trigger cannot ' +
      'see which extensions the command drops, so walrus.restore_job_after_drop() puts the job back when pg_walrus ' +
      'survived the command; a failed DROP rolls the removal back.',
    body: `
DECLARE
  job jsonb;
BEGIN
  -- No guess from the command text: a DROP run by a function, or one naming pg_walrus only in a comment, would fool it.
  IF NOT walrus.cron_installed() THEN
    RETURN;
  END IF;
  EXECUTE 'SELECT to_jsonb(j) FROM cron.job j WHERE jobname = $1 AND command = $2 ORDER BY jobid LIMIT 1'
    INTO job USING '${JOB_NAME}', '${JOB_COMMAND}';
  IF job IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_catalog.set_config('${JOB_STASH}', job::text, true);
  EXECUTE 'DELETE FROM cron.job WHERE jobid = $1' USING (job ->> 'jobid')::bigint;
END;`,
  }),
  sqlFunction({
    name: 'walrus.restore_job_after_drop',
    returns: 'event_trigger',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    securityDefiner: true,
    doc:
      'Event trigger at ddl_command_end of DROP EXTENSION. It only fires when pg_walrus still exists after the ' +
      'command (a dropped extension takes its triggers with it), so the job set aside by walrus.unschedule_on_drop() ' +
      'for a command that dropped another extension (or none) is put back as it was, with its job id.',
    body: `
DECLARE
  job text := nullif(pg_catalog.current_setting('${JOB_STASH}', true), '');
BEGIN
  PERFORM pg_catalog.set_config('${JOB_STASH}', '', true);
  -- The command may have dropped pg_cron itself, and the job with it.
  IF job IS NULL OR NOT walrus.cron_installed() THEN
    RETURN;
  END IF;
  EXECUTE 'INSERT INTO cron.job SELECT * FROM jsonb_populate_record(NULL::cron.job, $1::jsonb)' USING job;
END;`,
  }),
];

/** Statements run once at CREATE EXTENSION, after every object exists. */
export const INSTALL_STEPS = `
DO $triggers$
BEGIN
  -- Only a superuser may create event triggers; pg_tle installs as an ordinary role, and everything else works there.
  IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    CREATE EVENT TRIGGER walrus_unschedule_on_drop ON ddl_command_start
      WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION walrus.unschedule_on_drop();
    CREATE EVENT TRIGGER walrus_restore_job_after_drop ON ddl_command_end
      WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION walrus.restore_job_after_drop();
  ELSE
    RAISE WARNING 'pg_walrus: only a superuser can create event triggers, so DROP EXTENSION pg_walrus will not remove its pg_cron job'
      USING HINT = 'After DROP EXTENSION pg_walrus, run SELECT cron.unschedule(''${JOB_NAME}'');';
  END IF;
END;
$triggers$;

DO $install$
BEGIN
  IF NOT walrus.cron_installed() THEN
    -- A WARNING, not a NOTICE: PostgreSQL raises client_min_messages to warning while an extension script runs.
    RAISE WARNING 'pg_walrus: pg_cron is not installed in this database, so nothing runs the cycle yet'
      USING HINT = 'Run SELECT walrus_analyze() once per checkpoint_timeout from any scheduler, or install pg_cron '
                   'here and run SELECT walrus.schedule_job().';
  ELSIF pg_catalog.to_regnamespace('${UPGRADE_SCHEMA}') IS NOT NULL AND NOT (walrus.job_info() ->> 'scheduled')::boolean THEN
    -- An update (its scratch schema exists) keeps a DBA's choice to run cycles some other way.
    RAISE WARNING 'pg_walrus: the pg_cron job ${JOB_NAME} was removed before this update, and the update leaves it so'
      USING HINT = 'Run SELECT walrus.schedule_job() to schedule it again.';
  ELSE
    -- Updates the job in place when it exists (same id, paused stays paused).
    PERFORM walrus.schedule_job();
  END IF;
END;
$install$;`.trim();
