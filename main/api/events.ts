import type { ApiEvent } from '../../preload/api/contract';

/** fan-out of backend events to every connected UI (IPC windows, WebSocket clients) */
export class EventHub {
  private listeners = new Set<(event: ApiEvent) => void>();

  emit(event: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener (closed socket) must not stop the others
      }
    }
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
