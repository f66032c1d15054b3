import { decideCycle, type CycleInput } from '../../logic/cycle';
import { emptyForecast, type ForecastState } from '../../logic/forecast';
import { sizeFloorMb } from '../../logic/growth';
import { countsAsChange, rateWindowSec } from '../../logic/history';
import { sizeInForceDuring, walPerIntervalMb } from '../../logic/interval';
import { profileInForce } from '../../logic/profiles';
import { checkpointSegments, measurePressure } from '../../logic/pressure';
import type { QuietCount } from '../../logic/quiet';
import { jobIntervalSec } from '../../logic/schedule';
import { walStats } from '../../logic/sizing';
import type { ServerConfig } from '../checkpointer';
import type { PolicyDefinition } from '../policy';
import { readProfiles } from '../profiles';
import { walrusDefaults, type WalrusSettings } from '../walrus-settings';

/**
 * pg_walrus as the extension runs it. Every rule comes from src/logic, the same compiled functions the extension
 * calls; this adapter only does what the SQL glue in src/api/analyze.ts does: it gathers the facts of each simulated
 * sample and keeps the state the extension persists (quiet time and the WAL moving average in walrus.state, change
 * times in walrus.history, WAL per interval from walrus.sample, the forecast's profile and scalars returned by each
 * decision) in this closure. The simulation starts on a Monday at 00:00 local time, which is also the time of
 * walrus.profiles' hours: each cycle runs with the overrides of the profile in force, as walrus_analyze() does.
 */
/** Which settings differ from the declared defaults, for the description. */
function departures(settings: WalrusSettings): string {
  const defaults = walrusDefaults();
  const changed = (Object.keys(settings) as (keyof WalrusSettings)[]).filter((k) => settings[k] !== defaults[k]);
  return changed.length === 0 ? 'all defaults' : changed.map((k) => `${k} = ${String(settings[k])}`).join(', ');
}

/**
 * How often the job runs: `default` is the schedule walrus_analyze() keeps the pg_cron job on (jobIntervalSec: every
 * minute for forecast, every checkpoint_timeout for the others); `interval` runs forecast once per interval too. The
 * plain walrus.algorithm decides here; on a server, a profile that switches the algorithm also switches the schedule
 * from its first cycle on.
 */
export type WalrusCadence = 'default' | 'interval';

export function walrusPolicy(settings: WalrusSettings = walrusDefaults(), name = 'walrus', cadence: WalrusCadence = 'default'): PolicyDefinition {
  const intervalSec = (server: ServerConfig): number =>
    cadence === 'default' ? jobIntervalSec(settings.algorithm, server.checkpointTimeoutSec) : server.checkpointTimeoutSec;
  return {
    name,
    description:
      `pg_walrus decideCycle (walrus.algorithm = ${settings.algorithm}), settings from src/settings.ts: ${departures(settings)}; ` +
      (cadence === 'default' ? 'a cycle as often as the pg_cron job runs it (jobIntervalSec)' : 'a cycle every checkpoint_timeout'),
    cadenceSec: intervalSec,
    create: (_initialMb, server) => {
      const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
      // The text never changes during a run, so it is read once; the server reads it, and warns, every cycle.
      const { profiles, errors } = readProfiles(settings.profiles, server.segmentMb);
      const windows = profiles.map((p) => p.window);
      let quiet: QuietCount = { intervals: 0, carry_sec: 0 };
      let changes: number[] = [];
      // The newest change ever, as max("timestamp") over walrus.history is: older than the rate window too.
      let lastChange: number | undefined;
      // walrus.wal_window(): WAL per checkpoint_timeout of recent intervals; walrus.state.ema_wal_mb.
      let window: number[] = [];
      let ema: number | null = null;
      // The previous sample's max_wal_size: read before that cycle's own change was applied.
      let previousSampleMb: number | null = null;
      // walrus.sample's times and WAL positions, as far back as the sliding checkpoint_timeout window needs.
      let samples: { time: number; lsn: number }[] = [];
      let forecast: ForecastState = emptyForecast();
      return {
        decide: (o) => {
          // walrus.interval_pressure(): requests counted only as far as the finished WAL segments allow.
          const segmentBytes = server.segmentMb * 1048576;
          const segmentsFinished = Math.floor(o.walLsn / segmentBytes) - Math.floor((o.walLsn - o.walBytes) / segmentBytes);
          const inForceMb = sizeInForceDuring(previousSampleMb ?? o.currentMb, o.currentMb);
          const pressure = measurePressure(
            o.requestedDelta,
            segmentsFinished,
            checkpointSegments(inForceMb, server.segmentMb, server.completionTarget),
            server.checkpointTimeoutSec,
            o.elapsedSec,
          );
          previousSampleMb = o.currentMb;
          // walrus.history keeps a change's now(); the window test is `timestamp > now() - interval '60 minutes'`.
          changes = changes.filter((t) => t > o.now - rateWindowSec());
          const timeout = server.checkpointTimeoutSec;
          const measured = walPerIntervalMb(o.walBytes / 1048576, o.elapsedSec, timeout);
          if (measured !== null) window = [...window, measured].slice(-settings.sample_window);
          const wal = walStats(window, ema, settings.ema_alpha, settings.target_percentile, settings.shrink_intervals);
          // The WAL of the last checkpoint_timeout: from the newest sample at least 95% of a timeout old, scaled to one.
          samples = [...samples.filter((x) => x.time > o.now - 2 * timeout), { time: o.now - o.elapsedSec, lsn: o.walLsn - o.walBytes }];
          const old = samples.filter((x) => x.time <= o.now - 0.95 * timeout).at(-1);
          const intervalWalMb = old === undefined ? null : ((o.walLsn - old.lsn) / 1048576) * (timeout / (o.now - old.time));
          const hours = Math.floor(o.now / 3600);
          const active = profiles[profileInForce(windows, hours % 168)] ?? null;
          // walrus.with_profile(): the profile's fields replace the settings for this cycle only.
          const cfg: WalrusSettings = active === null ? settings : { ...settings, ...active.overrides };
          const input: CycleInput = {
            current_mb: o.currentMb,
            forced: pressure.forced,
            floor_mb: floorMb,
            threshold: cfg.threshold,
            max_mb: cfg.max_mb,
            shrink_enable: cfg.shrink_enable,
            shrink_factor: settings.shrink_factor,
            shrink_intervals: settings.shrink_intervals,
            min_size_mb: cfg.min_size_mb,
            dry_run: cfg.dry_run,
            advise_reason: '',
            cooldown_sec: settings.cooldown_sec,
            max_changes_per_hour: settings.max_changes_per_hour,
            quiet,
            elapsed_sec: o.elapsedSec,
            timeout_sec: timeout,
            changes_last_hour: changes.length,
            seconds_since_change: lastChange === undefined ? null : o.now - lastChange,
            algorithm: cfg.algorithm,
            additive_increment_mb: settings.additive_increment_mb,
            completion_target: server.completionTarget,
            segment_mb: server.segmentMb,
            headroom: settings.headroom,
            proactive: settings.proactive,
            wal,
            hour_of_week: hours % 168,
            hour_fraction: (o.now - hours * 3600) / 3600,
            recent_wal_mb: o.walBytes / 1048576,
            interval_wal_mb: intervalWalMb,
            half_life_sec: settings.half_life_sec,
            stabilization_sec: settings.stabilization_sec,
            lookahead_sec: settings.lookahead_sec,
            forecast,
          };
          const decision = decideCycle(input);
          quiet = decision.quiet;
          forecast = decision.forecast;
          ema = wal.ema_mb;
          if (countsAsChange(decision.action)) {
            changes.push(o.now);
            lastChange = o.now;
          }
          return {
            sizeMb: decision.apply ? decision.new_size_mb : o.currentMb,
            action: decision.action,
            reason: decision.reason,
            profile: active?.name ?? null,
          };
        },
        warnings: errors.map((e) => `pg_walrus: invalid walrus.profiles: ${e}; that profile is ignored`),
      };
    },
    bounds: (initialMb, server) => {
      const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
      const each = [settings, ...readProfiles(settings.profiles, server.segmentMb).profiles.map((p) => ({ ...settings, ...p.overrides }))];
      return {
        minMb: Math.min(initialMb, Math.max(Math.min(...each.map((s) => s.min_size_mb)), floorMb)),
        maxMb: Math.max(initialMb, ...each.map((s) => s.max_mb), floorMb),
      };
    },
  };
}
