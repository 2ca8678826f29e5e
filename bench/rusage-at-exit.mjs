// Preloaded (`node --import`) into the CLI that the bench runs: at exit, the process's own CPU
// time and peak RSS go to the file BENCH_RUSAGE_FILE names, which a parent cannot read from spawnSync.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(
    process.env.BENCH_RUSAGE_FILE,
    JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, peakRssKb: usage.maxRSS }),
  );
});
