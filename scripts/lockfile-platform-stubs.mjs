/**
 * The npm registry reachable here serves only the linux-x64 builds of rollup (a vitest dependency), so `npm install`
 * writes a lock file without rollup's other platform packages, and `npm ci` then refuses the lock as out of sync.
 * This adds the missing entries the way npm records optional platform packages (version, os, cpu, libc, no
 * tarball): npm ci accepts the lock and skips them on this platform. Run it after any `npm install` that rewrites
 * package-lock.json: `node scripts/lockfile-platform-stubs.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const rollupManifest = JSON.parse(readFileSync('node_modules/rollup/package.json', 'utf8'));
const version = lock.packages['node_modules/rollup'].version;

// rollup names its packages os-cpu[-abi]; the abi says which libc a Linux build needs.
const CPUS = { 'arm-eabi': 'arm', 'arm-gnueabihf': 'arm', 'arm-musleabihf': 'arm', 'ia32-msvc': 'ia32' };
let added = 0;
for (const name of Object.keys(rollupManifest.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (!name.startsWith('@rollup/rollup-') || lock.packages[key]) continue;
  const [os, ...rest] = name.slice('@rollup/rollup-'.length).split('-');
  const entry = { version, cpu: [CPUS[rest.join('-')] ?? rest[0]], dev: true };
  if (os === 'linux') entry.libc = [rest.some((part) => part.includes('musl')) ? 'musl' : 'glibc'];
  Object.assign(entry, { license: 'MIT', optional: true, os: [os] });
  lock.packages[key] = entry;
  added += 1;
}
const byPath = (a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0);
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => byPath(a, b)));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile-platform-stubs: added ${added} entries`);
