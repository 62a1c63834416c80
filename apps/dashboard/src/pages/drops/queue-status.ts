import type { Queue } from "../../api/types";

type Tone = "neutral" | "success" | "warning" | "danger";

/** How a queue's status reads: an operator's pause is told apart from a window that closed. */
export function statusOf(status: Queue["status"], paused: boolean): { label: string; tone: Tone; paused: boolean } {
  if (paused) return { label: "Entry paused", tone: "warning", paused };
  if (status === "OPEN") return { label: "Open", tone: "success", paused };
  if (status === "PENDING") return { label: "Not open yet", tone: "neutral", paused };
  return { label: "Closed", tone: "danger", paused };
}
