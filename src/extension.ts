import packageJson from '../package.json';
import { ADMIN_FUNCTIONS } from './api/admin';
import { ANALYZE_FUNCTIONS } from './api/analyze';
import { APPLY_FUNCTIONS } from './api/apply';
import { DOCTOR_FUNCTIONS } from './api/doctor';
import { PROFILE_FUNCTIONS } from './api/profiles';
import { STATEMENT_FUNCTIONS } from './api/statements';
import { METRICS_FUNCTIONS } from './api/metrics';
import { OBSERVE_FUNCTIONS } from './api/observe';
import { INSTALL_STEPS, SCHEDULE_FUNCTIONS } from './api/schedule';
import { SETTING_FUNCTIONS, SETTING_READERS, SETTING_SQL } from './api/settings';
import { TABLES } from './schema';
import { SETTINGS } from './settings';

/** The whole extension, as codegen assembles it into sql/pg_walrus--<version>.sql. */
export const EXTENSION = {
  name: 'pg_walrus',
  /** major.minor of package.json's version: the control file's default_version and the script's file name. */
  version: packageJson.version.split('.').slice(0, 2).join('.'),
  /** Decision logic compiled from TypeScript to PL/pgSQL, in this order. */
  logicFiles: [
    'src/logic/settings.ts',
    'src/logic/history.ts',
    'src/logic/quiet.ts',
    'src/logic/interval.ts',
    'src/logic/growth.ts',
    'src/logic/pressure.ts',
    'src/logic/shrink.ts',
    'src/logic/sizing.ts',
    'src/logic/forecast.ts',
    'src/logic/algorithms/shared.ts',
    'src/logic/algorithms/multiplicative.ts',
    'src/logic/algorithms/additive.ts',
    'src/logic/algorithms/adaptive.ts',
    'src/logic/algorithms/percentile.ts',
    'src/logic/algorithms/forecast.ts',
    'src/logic/cycle.ts',
    'src/logic/failover.ts',
    'src/logic/advice.ts',
    'src/logic/doctor.ts',
    'src/logic/profiles.ts',
    'src/logic/confidence.ts',
    'src/logic/schedule.ts',
  ],
  settings: SETTINGS,
  /** The glue of the SQL generated per setting, emitted before it. */
  settingFunctions: SETTING_SQL,
  /** The functions that read settings by their declarations, emitted after walrus.setting_declarations(). */
  settingReaders: SETTING_READERS,
  tables: TABLES,
  functions: [...APPLY_FUNCTIONS, ...SCHEDULE_FUNCTIONS, ...ANALYZE_FUNCTIONS, ...OBSERVE_FUNCTIONS, ...METRICS_FUNCTIONS, ...DOCTOR_FUNCTIONS, ...PROFILE_FUNCTIONS, ...STATEMENT_FUNCTIONS, ...ADMIN_FUNCTIONS, ...SETTING_FUNCTIONS],
  installSteps: INSTALL_STEPS,
} as const;
