import { decideCycle, type CycleInput } from '../../logic/cycle';
import { sizeFloorMb } from '../../logic/growth';
import { countsAsChange, rateWindowSec } from '../../logic/history';
import { sizeInForceDuring, walPerIntervalMb } from '../../logic/interval';
import { checkpointSegments, measurePressure } from '../../logic/pressure';
import type { QuietCount } from '../../logic/quiet';
import { walStats } from '../../logic/sizing';
import type { PolicyDefinition } from '../policy';
import { walrusDefaults, type WalrusSettings } from '../walrus-settings';

/**
 * pg_walrus as the extension runs it. Every rule comes from src/logic, the same compiled functions the extension
 * calls; this adapter only does what the SQL glue in src/api/analyze.ts does: it gathers the facts of each simulated
 * sample and keeps the state the extension persists (quiet time and the WAL moving average in walrus.state, change
 * times in walrus.history, WAL per interval from walrus.sample) in this closure.
 */
/** Which settings differ from the declared defaults, for the description. */
function departures(settings: WalrusSettings): string {
  const defaults = walrusDefaults();
  const changed = (Object.keys(settings) as (keyof WalrusSettings)[]).filter((k) => settings[k] !== defaults[k]);
  return changed.length === 0 ? 'all defaults' : changed.map((k) => `${k} = ${String(settings[k])}`).join(', ');
}

export function walrusPolicy(settings: WalrusSettings = walrusDefaults(), name = 'walrus'): PolicyDefinition {
  return {
    name,
    description: `pg_walrus decideCycle (walrus.algorithm = ${settings.algorithm}), settings from src/settings.ts: ${departures(settings)}`,
    create: (_initialMb, server) => {
      const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
      let quiet: QuietCount = { intervals: 0, carry_sec: 0 };
      let changes: number[] = [];
      // walrus.wal_window(): WAL per checkpoint_timeout of recent intervals; walrus.state.ema_wal_mb.
      let window: number[] = [];
      let ema: number | null = null;
      // The previous sample's max_wal_size: read before that cycle's own change was applied.
      let previousSampleMb: number | null = null;
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
          const last = changes.at(-1);
          const timeout = server.checkpointTimeoutSec;
          const measured = walPerIntervalMb(o.walBytes / 1048576, o.elapsedSec, timeout);
          if (measured !== null) window = [...window, measured].slice(-settings.sample_window);
          const wal = walStats(window, ema, settings.ema_alpha, settings.target_percentile, settings.shrink_intervals);
          const input: CycleInput = {
            current_mb: o.currentMb,
            forced: pressure.forced,
            floor_mb: floorMb,
            threshold: settings.threshold,
            max_mb: settings.max_mb,
            shrink_enable: settings.shrink_enable,
            shrink_factor: settings.shrink_factor,
            shrink_intervals: settings.shrink_intervals,
            min_size_mb: settings.min_size_mb,
            dry_run: settings.dry_run,
            cooldown_sec: settings.cooldown_sec,
            max_changes_per_hour: settings.max_changes_per_hour,
            quiet,
            elapsed_sec: o.elapsedSec,
            timeout_sec: timeout,
            changes_last_hour: changes.length,
            seconds_since_change: last === undefined ? null : o.now - last,
            algorithm: settings.algorithm,
            additive_increment_mb: settings.additive_increment_mb,
            completion_target: server.completionTarget,
            segment_mb: server.segmentMb,
            headroom: settings.headroom,
            proactive: settings.proactive,
            wal,
          };
          const decision = decideCycle(input);
          quiet = decision.quiet;
          ema = wal.ema_mb;
          if (countsAsChange(decision.action)) changes.push(o.now);
          return { sizeMb: decision.apply ? decision.new_size_mb : o.currentMb, action: decision.action };
        },
      };
    },
    bounds: (initialMb, server) => {
      const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
      return {
        minMb: Math.min(initialMb, Math.max(settings.min_size_mb, floorMb)),
        maxMb: Math.max(initialMb, settings.max_mb, floorMb),
      };
    },
  };
}
