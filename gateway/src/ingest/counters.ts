import type { RejectReason } from "../../../protocol/src/types.js";

/** What ingest has seen since start, for /api/health and /metrics. */
export class IngestCounters {
  received = 0;
  accepted = 0;
  duplicates = 0;
  stale = 0;
  ignored = 0;
  /** Epoch ms of the last message that reached the pipeline, any outcome. */
  lastMessageAt: number | null = null;
  readonly rejected: Partial<Record<RejectReason, number>> = {};

  reject(reason: RejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  get rejectedTotal(): number {
    let total = 0;
    for (const n of Object.values(this.rejected)) total += n ?? 0;
    return total;
  }
}
