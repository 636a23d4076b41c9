/**
 * Peak resident memory of this process while something runs: `process.memoryUsage().rss` sampled
 * on a timer, and the kernel's own peak (`resourceUsage().maxRSS`) read at the end, which catches
 * a peak between two samples. The baseline is taken when the sampler starts (after setup), so
 * growth is what the measured work added. With `--expose-gc` (the workers run with it) a full
 * collection goes before the baseline and after the end: the heap still in use after the work,
 * over the heap before it, is what the work kept (a leak), apart from what the collector had
 * simply not reclaimed yet, which RSS growth also counts.
 */
const MB = 1024 * 1024

export interface RssFigures {
  baselineMb: number
  peakMb: number
  growthMb: number
  /** Live heap after a full collection at the end minus before the start; NaN without gc. */
  heapKeptMb: number
  samples: number
}

const collect = (globalThis as { gc?: () => void }).gc

export function startRssSampler(intervalMs = 20): { stop(): RssFigures } {
  collect?.()
  const heapBefore = process.memoryUsage().heapUsed
  const baseline = process.memoryUsage().rss
  let peak = baseline
  let samples = 0
  const timer = setInterval(() => {
    samples++
    peak = Math.max(peak, process.memoryUsage().rss)
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      // maxRSS is in KiB, over the process's whole life; setup's own peak is below the baseline
      // unless setup allocated and freed more than the work ever holds, which the figure shows.
      peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024)
      collect?.()
      return {
        baselineMb: baseline / MB,
        peakMb: peak / MB,
        growthMb: (peak - baseline) / MB,
        heapKeptMb: collect ? (process.memoryUsage().heapUsed - heapBefore) / MB : Number.NaN,
        samples,
      }
    },
  }
}
