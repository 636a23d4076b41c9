/**
 * Runs a telemetry call (a span method, a metric record) whose failure must not change an answer:
 * a throwing provider or exporter is the app's telemetry bug, and a delivery already stored or a
 * job already applied stays what it is. The error is dropped; the API itself swallows its own.
 */
export function bestEffort(record: () => void): void {
  try {
    record()
  } catch {
    // Deliberately ignored: see above.
  }
}
