// Peak memory of this process while the measured part runs: RSS as the OS sees it (sampled, no
// forced collection) and the array buffers (where file contents read into JS would show).
export interface MemoryPeaks {
  baselineRss: number;
  peakRss: number;
  baselineArrayBuffers: number;
  peakArrayBuffers: number;
}

export function startMemorySampler(intervalMs = 10): { stop(): MemoryPeaks } {
  // One collection before the baseline, so garbage from the setup is not counted as growth.
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  const peaks: MemoryPeaks = {
    baselineRss: base.rss,
    peakRss: base.rss,
    baselineArrayBuffers: base.arrayBuffers,
    peakArrayBuffers: base.arrayBuffers,
  };
  const sample = () => {
    const m = process.memoryUsage();
    peaks.peakRss = Math.max(peaks.peakRss, m.rss);
    peaks.peakArrayBuffers = Math.max(peaks.peakArrayBuffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
