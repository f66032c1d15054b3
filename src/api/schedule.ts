import { sqlFunction } from '../sqlapi';

export const JOB_NAME = 'pg_walrus';
export const JOB_COMMAND = 'SELECT walrus_analyze()';

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
    name: 'walrus.desired_schedule',
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'The pg_cron schedule matching checkpoint_timeout, in the finest granularity the installed pg_cron offers.',
    body: `
  SELECT walrus.cron_schedule(
    (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'checkpoint_timeout'),
    coalesce((SELECT string_to_array(split_part(extversion, '-', 1), '.')::integer[] >= ARRAY[1, 5]
                FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'), false))`,
  }),
  sqlFunction({
    name: 'walrus.schedule_job',
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc: `Creates or updates the pg_cron job named ${JOB_NAME} that runs ${JOB_COMMAND} once per checkpoint_timeout.`,
    body: `
DECLARE
  wanted text := walrus.desired_schedule();
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
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Keeps an existing pg_walrus job in step with checkpoint_timeout. A job the DBA removed stays removed. ' +
      'Returns the new schedule when it changed, else NULL.',
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
  wanted := walrus.desired_schedule();
  IF current_schedule IS NULL OR current_schedule = wanted THEN
    RETURN NULL;
  END IF;
  RAISE LOG 'pg_walrus: checkpoint_timeout changed; rescheduling job ${JOB_NAME} from "%" to "%"', current_schedule, wanted;
  RETURN walrus.schedule_job();
END;`,
  }),
  sqlFunction({
    name: 'walrus.unschedule_on_drop',
    returns: 'event_trigger',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    // It fires for every role's DROP EXTENSION (a database owner dropping a trusted extension, say), and such a role
    // may not use schema walrus or read cron.job; it only ever deletes the pg_walrus job.
    securityDefiner: true,
    doc:
      'Event trigger: removes the pg_walrus cron job when DROP EXTENSION pg_walrus starts. sql_drop triggers that ' +
      'belong to an extension do not fire for its own drop, so this runs at ddl_command_start; the removal is ' +
      'transactional and comes back if the DROP fails.',
    body: `
BEGIN
  IF current_query() ~* '\\mdrop\\s+extension\\s+(if\\s+exists\\s+)?([^;]*[\\s,"])?pg_walrus\\M'
     AND walrus.cron_installed() THEN
    EXECUTE 'DELETE FROM cron.job WHERE jobname = $1 AND command = $2' USING '${JOB_NAME}', '${JOB_COMMAND}';
  END IF;
END;`,
  }),
];

/** Statements run once at CREATE EXTENSION, after every object exists. */
export const INSTALL_STEPS = `
CREATE EVENT TRIGGER walrus_unschedule_on_drop ON ddl_command_start
  WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION walrus.unschedule_on_drop();

DO $install$
BEGIN
  IF walrus.cron_installed() THEN
    PERFORM walrus.schedule_job();
  ELSE
    -- A WARNING, not a NOTICE: PostgreSQL raises client_min_messages to warning while an extension script runs.
    RAISE WARNING 'pg_walrus: pg_cron is not installed in this database, so nothing runs the cycle yet'
      USING HINT = 'Run SELECT walrus_analyze() once per checkpoint_timeout from any scheduler, or install pg_cron '
                   'here and run SELECT walrus.schedule_job().';
  END IF;
END;
$install$;`.trim();
